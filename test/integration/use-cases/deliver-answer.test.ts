/** deliverAnswer on DynamoDB Local: an answer asking for a handover starts one, once, however often it comes. */

import { deliverAnswer } from '../../../functions/relay/deliver-answer';
import { applyCommand } from '../../../shared/flow/apply-command';
import type { ConveyorDriver } from './conveyor-driver';
import { type OutsideServer, webDeliveries, webTexts } from './outside-server';
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
let conveyor: ConveyorDriver;

beforeAll(async () => {
  setup = await startRigWithOutside('use-answer');
  ({ rig, outside, conveyor } = setup);
});
afterAll(() => stopRigWithOutside(setup));
beforeEach(async () => {
  await conveyor.convey();
  await resetRigWithOutside(setup);
});

test('a redelivered livechat answer, after its handover came back to the bot, starts nothing new', async () => {
  const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });
  const delivery = {
    tenantId: 'acme',
    conversationId: conversation.conversationId,
    answer: { id: 'm-1:0', text: 'One moment', outputAdditions: { livechat: true } },
  };
  await deliverAnswer(rig.runtime, delivery);
  const inPresence = await rig.state('acme', conversation.conversationId);
  expect(inPresence?.phase).toBe('presence');
  // No agents: back to the bot.
  if (!inPresence) throw new Error('no conversation');
  await applyCommand(rig.runtime, 'acme', conversation.conversationId, () => ({
    type: 'presenceChecked',
    handoverId: handoverIdOf(inPresence),
    status: 'offline',
  }));
  await deliverAnswer(rig.runtime, delivery);
  expect((await rig.state('acme', conversation.conversationId))?.phase).toBe('bot');
  await conveyor.convey();
  expect(rig.publisher.published().filter(([type]) => type === 'HandoverRequested')).toHaveLength(1);
  expect(webTexts(outside, conversation.conversationId)).toEqual([
    'One moment',
    rig.tenant('acme').messages.noAgents,
  ]);
});

test('an answer that names its channel is delivered without reading the conversation; one that does not is looked up', async () => {
  // Never stored: only the event's channel can tell where the answer goes.
  const conversationId = uniqueId('web');
  await deliverAnswer(rig.runtime, {
    tenantId: 'acme',
    conversationId,
    answer: { id: 'm-1:0', text: 'Hello there' },
    channel: { type: 'web' },
  });
  expect(webDeliveries(outside)).toEqual([{ conversationId, text: 'Hello there' }]);

  // An event from before the channel was carried: the stored conversation tells; an unknown one is dropped.
  const stored = await seed(rig, 'bot', { conversationId: uniqueId('web') });
  await deliverAnswer(rig.runtime, {
    tenantId: 'acme',
    conversationId: stored.conversationId,
    answer: { id: 'm-2:0', text: 'Looked up' },
  });
  await deliverAnswer(rig.runtime, {
    tenantId: 'acme',
    conversationId: uniqueId('web'),
    answer: { id: 'm-3:0', text: 'Lost' },
  });
  expect(outside.of('web')).toHaveLength(2);
});

/** An answer, naming its channel, to a bot conversation seeded for the test. */
async function helloToNewConversation() {
  const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });
  return {
    tenantId: 'acme',
    conversationId: conversation.conversationId,
    answer: { id: 'm-1:0', text: 'Hello there' },
    channel: conversation.channel,
  };
}

test('an answer the channel refuses for good (a 4xx) is not retried: the event is done with, a redelivery sends nothing', async () => {
  outside.mode('web', '4xx');
  const delivery = await helloToNewConversation();
  const before = rig.metrics.count('MessageUndeliverable');

  // Resolves: EventBridge does not retry what the channel will refuse again.
  await deliverAnswer(rig.runtime, delivery);
  outside.mode('web', 'ok');
  await deliverAnswer(rig.runtime, delivery);

  expect(outside.of('web')).toHaveLength(1);
  expect(rig.metrics.count('MessageUndeliverable') - before).toBe(1);
  expect(rig.logs).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: 'message to the user refused by the channel; not retried',
    }),
  );
});

test('an answer the channel fails on with a 5xx is retried by the event: the delivery throws and keeps nothing', async () => {
  outside.mode('web', '5xx');
  const delivery = await helloToNewConversation();

  await expect(deliverAnswer(rig.runtime, delivery)).rejects.toMatchObject({ kind: 'status', status: 500 });
  outside.mode('web', 'ok');
  await deliverAnswer(rig.runtime, delivery);

  expect(outside.of('web')).toHaveLength(2);
});
