/** deliverAnswer on DynamoDB Local: an answer asking for a handover starts one, once, however often it comes. */

import { deliverAnswer } from '../../../functions/relay/deliver-answer';
import { applyCommand } from '../../../shared/flow/apply-command';
import { webDeliveries, webTexts } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { handoverIdOf, seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-answer');

test('a redelivered livechat answer, after its handover came back to the bot, starts nothing new', async () => {
  const conversation = await seed(setup.rig, 'bot', { conversationId: uniqueId('web') });
  const delivery = {
    tenantId: 'acme',
    conversationId: conversation.conversationId,
    answer: { id: 'm-1:0', text: 'One moment', outputAdditions: { livechat: true } },
  };
  await deliverAnswer(setup.rig.runtime, delivery);
  const inPresence = await setup.rig.state('acme', conversation.conversationId);
  expect(inPresence?.phase).toBe('presence');
  // No agents: back to the bot.
  if (!inPresence) throw new Error('no conversation');
  await applyCommand(setup.rig.runtime, 'acme', conversation.conversationId, () => ({
    type: 'presenceChecked',
    handoverId: handoverIdOf(inPresence),
    status: 'offline',
  }));
  await deliverAnswer(setup.rig.runtime, delivery);
  expect((await setup.rig.state('acme', conversation.conversationId))?.phase).toBe('bot');
  await setup.conveyor.convey();
  expect(setup.rig.publisher.published().filter(([type]) => type === 'HandoverRequested')).toHaveLength(1);
  expect(webTexts(setup.outside, conversation.conversationId)).toEqual([
    'One moment',
    setup.rig.tenant('acme').messages.noAgents,
  ]);
});

test('an answer that names its channel is delivered without reading the conversation; one that does not is looked up', async () => {
  // Never stored: only the event's channel can tell where the answer goes.
  const conversationId = uniqueId('web');
  await deliverAnswer(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId,
    answer: { id: 'm-1:0', text: 'Hello there' },
    channel: { type: 'web' },
  });
  expect(webDeliveries(setup.outside)).toEqual([{ conversationId, text: 'Hello there' }]);

  // An event from before the channel was carried: the stored conversation tells; an unknown one is dropped.
  const stored = await seed(setup.rig, 'bot', { conversationId: uniqueId('web') });
  await deliverAnswer(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId: stored.conversationId,
    answer: { id: 'm-2:0', text: 'Looked up' },
  });
  await deliverAnswer(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId: uniqueId('web'),
    answer: { id: 'm-3:0', text: 'Lost' },
  });
  expect(setup.outside.of('web')).toHaveLength(2);
});

/** An answer, naming its channel, to a bot conversation seeded for the test. */
async function helloToNewConversation() {
  const conversation = await seed(setup.rig, 'bot', { conversationId: uniqueId('web') });
  return {
    tenantId: 'acme',
    conversationId: conversation.conversationId,
    answer: { id: 'm-1:0', text: 'Hello there' },
    channel: conversation.channel,
  };
}

test('an answer the channel refuses for good (a 4xx) is not retried: the event is done with, a redelivery sends nothing', async () => {
  setup.outside.mode('web', '4xx');
  const delivery = await helloToNewConversation();
  const before = setup.rig.metrics.count('MessageUndeliverable');

  // Resolves: EventBridge does not retry what the channel will refuse again.
  await deliverAnswer(setup.rig.runtime, delivery);
  setup.outside.mode('web', 'ok');
  await deliverAnswer(setup.rig.runtime, delivery);

  expect(setup.outside.of('web')).toHaveLength(1);
  expect(setup.rig.metrics.count('MessageUndeliverable') - before).toBe(1);
  expect(setup.rig.logs).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: 'message to the user refused by the channel; not retried',
    }),
  );
});

test('an answer the channel fails on with a 5xx is retried by the event: the delivery throws and keeps nothing', async () => {
  setup.outside.mode('web', '5xx');
  const delivery = await helloToNewConversation();

  await expect(deliverAnswer(setup.rig.runtime, delivery)).rejects.toMatchObject({
    kind: 'status',
    status: 500,
  });
  setup.outside.mode('web', 'ok');
  await deliverAnswer(setup.rig.runtime, delivery);

  expect(setup.outside.of('web')).toHaveLength(2);
});
