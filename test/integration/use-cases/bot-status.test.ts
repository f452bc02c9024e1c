/**
 * The bot's status events on DynamoDB Local and a real HTTP bot: told by the conveyor from the
 * record of the step's write, in order with the messages it delivers to the bot; one the bot does
 * not take goes on as BotEventUnsent, which the relay delivers once with the bus's retries.
 */

import { receiveUserMessage } from '../../../functions/ingest/receive-user-message';
import { retryBotEvent } from '../../../functions/relay/bot-event-retry';
import { BotEventUnsent } from '../../../shared/events/bot-event-unsent';
import { applyCommand } from '../../../shared/flow/apply-command';
import { parse } from '../../../shared/validation/zod';
import { signatureOf } from '../../support/signed';
import { useRigWithOutside } from './rig-with-outside';
import { byRef, handoverIdOf, LOCK_MS, seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-bot-status');

const botEvents = () => setup.outside.of('bot-events').map((request) => JSON.parse(request.body));

test('each step is told once from its record, however often the stream is read; signed as requests to the bot are', async () => {
  const stored = await seed(setup.rig, 'presence', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);

  await applyCommand(setup.rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'presenceChecked',
    handoverId,
    status: 'offline',
  }));
  await setup.conveyor.convey();
  await setup.conveyor.convey();

  expect(botEvents()).toEqual([
    {
      tenantId: 'acme',
      conversationId: stored.conversationId,
      eventId: `handover.offline:${handoverId}`,
      event: 'handover.offline',
      handoverId,
      agentStatus: 'offline',
    },
  ]);
  const [request] = setup.outside.of('bot-events');
  const secret = await setup.rig.runtime.secrets.resolve(setup.rig.tenant('acme').bot.signingSecret);
  expect(signatureOf(secret, request)).toBe('valid');
});

test("the bot hears its session ended, with the agent's parting words, before the user's next message reaches it", async () => {
  const stored = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);
  const { conversationId } = stored;
  setup.outside.answer('bot', '{"answers":[{"text":"welcome back"}]}');
  await applyCommand(setup.rig.runtime, 'acme', conversationId, () => ({
    type: 'activity',
    lockMs: LOCK_MS,
    release: { summary: 'refund promised', variables: { order: '42' } },
  }));
  await applyCommand(setup.rig.runtime, 'acme', conversationId, () => ({ type: 'endSession', by: 'agent' }));
  await receiveUserMessage(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId,
    channel: { type: 'web' },
    message: { id: 'after-end-1', text: 'hello again', receivedAt: setup.rig.clock.now() },
  });
  await setup.conveyor.convey();

  const order = setup.outside.requests
    .filter((request) => request.system === 'bot' || request.system === 'bot-events')
    .map((request) => request.system);
  expect(order).toEqual(['bot-events', 'bot']);
  expect(botEvents()).toEqual([
    expect.objectContaining({
      event: 'session.ended',
      handoverId,
      by: 'agent',
      payload: 'LIVECHAT_SESSION_END',
      summary: 'refund promised',
      variables: { order: '42' },
    }),
  ]);
});

test('a bot that does not take it: tried once, then handed to the relay, which tells it once with what the agent left', async () => {
  const stored = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);
  const { conversationId } = stored;
  await applyCommand(setup.rig.runtime, 'acme', conversationId, () => ({
    type: 'activity',
    lockMs: LOCK_MS,
    release: { summary: 'call back tomorrow' },
  }));
  setup.outside.mode('bot-events', '5xx');
  await applyCommand(setup.rig.runtime, 'acme', conversationId, () => ({ type: 'endSession', by: 'user' }));
  await setup.conveyor.convey();

  // Tried once: the conversation's next records wait behind it, and the relay retries.
  expect(botEvents()).toHaveLength(1);
  const unsent = setup.rig.publisher
    .of(conversationId)
    .filter((event) => event.detailType === 'BotEventUnsent');
  expect(unsent).toHaveLength(1);
  const data = parse(BotEventUnsent.data, unsent[0]?.detail.data);
  // The bus carries the step, not what the agent wrote.
  expect(JSON.stringify(data)).not.toContain('call back tomorrow');

  setup.outside.reset();
  await retryBotEvent(setup.rig.runtime, data);
  await retryBotEvent(setup.rig.runtime, data);
  expect(botEvents()).toEqual([
    expect.objectContaining({
      eventId: `session.ended:${handoverId}`,
      event: 'session.ended',
      by: 'user',
      summary: 'call back tomorrow',
    }),
  ]);
});

test("the relay's retry fails while the bot is down (the bus tries again) and is not refused as a duplicate afterwards", async () => {
  const { conversationId } = await seed(setup.rig, 'bot', { conversationId: uniqueId('web') });
  const data = {
    ...byRef('acme', conversationId),
    status: { event: 'handover.requested' as const, handoverId: 'h-retry' },
  };
  setup.outside.mode('bot-events', '5xx');
  await expect(retryBotEvent(setup.rig.runtime, data)).rejects.toThrow();
  setup.outside.mode('bot-events', 'ok');
  await retryBotEvent(setup.rig.runtime, data);
  await retryBotEvent(setup.rig.runtime, data);
  // Asked twice: the failure released the claim, the success kept it.
  expect(botEvents()).toHaveLength(2);
});
