/** The relay's notices on DynamoDB Local: the user is told from the event's channel, without a read. */

import { agentMessaged } from '../../../functions/relay/session-notices';
import { webDeliveries } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { handoverIdOf, seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-notices');

const userSaw = () => webDeliveries(setup.outside);

test('an agent message naming the channel tells the user without reading the conversation, once per message id', async () => {
  // Never stored: only the event's channel can tell where the message goes.
  const conversationId = uniqueId('web');
  const event = {
    tenantId: 'acme',
    conversationId,
    handoverId: 'h-1',
    channel: { type: 'web' },
    messageId: 'desk-1',
    text: 'Hi, Grace here',
    signOff: false,
  } as const;

  await agentMessaged(setup.rig.runtime, event);
  await agentMessaged(setup.rig.runtime, event);

  expect(userSaw()).toEqual([{ conversationId, text: 'Hi, Grace here' }]);
});

test('an agent message of an earlier version, without the channel, is told through the stored conversation; for an unknown one nobody is', async () => {
  const stored = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  const message = {
    handoverId: handoverIdOf(stored),
    messageId: 'desk-1',
    text: 'Hi, Grace here',
    signOff: false,
  };

  await agentMessaged(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId: stored.conversationId,
    ...message,
  });
  await agentMessaged(setup.rig.runtime, { tenantId: 'acme', conversationId: uniqueId('web'), ...message });

  expect(userSaw()).toEqual([{ conversationId: stored.conversationId, text: 'Hi, Grace here' }]);
});
