/** The relay's notices on DynamoDB Local: the user is told from the event's channel, without a read. */

import { agentMessaged } from '../../../functions/relay/session-notices';
import { type OutsideServer, webDeliveries } from './outside-server';
import {
  type RigWithOutside,
  resetRigWithOutside,
  startRigWithOutside,
  stopRigWithOutside,
} from './rig-with-outside';
import { handoverIdOf, seed, type TestRig, uniqueId } from './runtime';

let setup: RigWithOutside;
let outside: OutsideServer;
let rig: TestRig;

beforeAll(async () => {
  setup = await startRigWithOutside('use-notices');
  ({ rig, outside } = setup);
});
afterAll(() => stopRigWithOutside(setup));
beforeEach(() => resetRigWithOutside(setup));

const userSaw = () => webDeliveries(outside);

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

  await agentMessaged(rig.runtime, event);
  await agentMessaged(rig.runtime, event);

  expect(userSaw()).toEqual([{ conversationId, text: 'Hi, Grace here' }]);
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
