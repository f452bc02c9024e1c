/** The relay's notices on DynamoDB Local: the user is told from the event's channel, without a read. */

import { agentMessaged, sessionStarted } from '../../../functions/relay/session-notices';
import { type OutsideServer, webDeliveries } from './outside-server';
import { resetRigWithOutside, startRigWithOutside, stopRigWithOutside } from './rig-with-outside';
import { handoverIdOf, seed, type TestRig, uniqueId } from './runtime';

let outside: OutsideServer;
let rig: TestRig;

beforeAll(async () => {
  ({ rig, outside } = await startRigWithOutside('use-notices'));
});
afterAll(() => stopRigWithOutside({ rig, outside }));
beforeEach(() => resetRigWithOutside({ rig, outside }));

const userSaw = () => webDeliveries(outside);

test('SessionStarted naming the channel tells the user without reading the conversation, once', async () => {
  // Never stored: only the event's channel can tell where the notice goes.
  const conversationId = uniqueId('web');
  const event = { tenantId: 'acme', conversationId, handoverId: 'h-1', channel: { type: 'web' } } as const;

  await sessionStarted(rig.runtime, event);
  await sessionStarted(rig.runtime, event);

  expect(userSaw()).toEqual([{ conversationId, text: 'An agent will be with you shortly.' }]);
});

test('an agent message of an earlier version, without the channel, is told through the stored conversation; for an unknown one nobody is', async () => {
  const stored = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  const message = {
    handoverId: handoverIdOf(stored),
    messageId: 'desk-1',
    text: 'Hi, Grace here',
    signOff: false,
  };

  await agentMessaged(rig.runtime, { tenantId: 'acme', conversationId: stored.conversationId, ...message });
  await agentMessaged(rig.runtime, { tenantId: 'acme', conversationId: uniqueId('web'), ...message });

  expect(userSaw()).toEqual([{ conversationId: stored.conversationId, text: 'Hi, Grace here' }]);
});
