/**
 * Answers a bot pushes (`/answers`) on DynamoDB Local with the real stream conveyor: written into the
 * conversation, delivered by the conveyor from that write's record, in order with what the records
 * after it say; never through the bus unless the channel fails.
 */
import { receiveBotAnswer } from '../../../functions/ingest/receive-bot-answer';
import { deliverUnsent } from '../../../functions/relay/deliver-unsent';
import { handoverIdFrom } from '../../../shared/domain/handover-trigger';
import { unsentKey } from '../../../shared/domain/unsent';
import { MessageUnsent } from '../../../shared/events/message-unsent';
import { HttpError } from '../../../shared/http/errors';
import { idRef } from '../../../shared/log/logger';
import { parse } from '../../../shared/validation/zod';
import { webTexts } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-pushed');
const convey = () => setup.conveyor.convey();

test('two pushed answers, the second asking for an agent: both reach the user in order, then the handover starts; nothing goes on the bus but its request', async () => {
  const { rig, outside } = setup;
  const { conversationId } = await seed(rig, 'bot', { conversationId: uniqueId('web') });

  await receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
    conversationId,
    answerId: 'a-1',
    text: 'Your invoice is on its way.',
  });
  await receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
    conversationId,
    answerId: 'a-2',
    text: 'Let me get you an agent.',
    outputAdditions: { livechat: true },
  });
  await convey();

  expect(webTexts(outside, conversationId)).toEqual([
    'Your invoice is on its way.',
    'Let me get you an agent.',
  ]);
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'presence',
    handover: { id: handoverIdFrom('answer', 'push:a-2') },
  });
  expect(rig.publisher.published(conversationId)).toEqual([
    ['HandoverRequested', `requested:${handoverIdFrom('answer', 'push:a-2')}`],
  ]);
});

test('a channel that keeps failing: the answer waits in the item for the relay, which delivers it once; the handover it asks for starts at once', async () => {
  const { rig, outside } = setup;
  const { conversationId } = await seed(rig, 'bot', { conversationId: uniqueId('web') });
  outside.mode('web', '5xx');

  await receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
    conversationId,
    answerId: 'a-3',
    text: 'Let me get you an agent.',
    outputAdditions: { livechat: true },
  });
  await convey();

  const key = unsentKey.answer('push:a-3');
  const handoverId = handoverIdFrom('answer', 'push:a-3');
  expect(rig.publisher.published(conversationId)).toEqual([
    ['MessageUnsent', `unsent:${idRef(key)}`],
    ['HandoverRequested', `requested:${handoverId}`],
  ]);
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'presence',
    handover: { id: handoverId },
    unsent: [{ key }],
  });

  // The channel mends; the bus delivers the event, then again.
  outside.mode('web', 'ok');
  const before = webTexts(outside, conversationId).length;
  const event = parse(MessageUnsent.data, rig.publisher.of(conversationId)[0]?.detail.data);
  await deliverUnsent(rig.runtime, event);
  await deliverUnsent(rig.runtime, event);

  expect(webTexts(outside, conversationId).slice(before)).toEqual(['Let me get you an agent.']);
  const after = await rig.state('acme', conversationId);
  // The relay did not ask again: one handover, the same one.
  expect(after).toMatchObject({ phase: 'presence', handover: { id: handoverId } });
  expect(after?.unsent).toBeUndefined();
  expect(
    rig.publisher.published(conversationId).filter(([type]) => type === 'HandoverRequested'),
  ).toHaveLength(1);
});

test('refused while an agent has the conversation or is being given it; unknown conversations are 404', async () => {
  const { rig } = setup;
  for (const phase of ['agent', 'handing_over'] as const) {
    const conversation = await seed(rig, phase, { conversationId: uniqueId('web') });
    const refused = receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
      conversationId: conversation.conversationId,
      answerId: 'a-4',
      text: 'hi',
    });
    await expect(refused).rejects.toMatchObject({ statusCode: 409, code: 'live_chat' });
    expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
  }
  const unknown = receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
    conversationId: uniqueId('web'),
    answerId: 'a-5',
  });
  await expect(unknown).rejects.toBeInstanceOf(HttpError);
  await expect(unknown).rejects.toMatchObject({ statusCode: 404 });
});

test('an agent whose lock ran out no longer holds the conversation: the push is taken', async () => {
  const { rig, outside } = setup;
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web'), lockMs: 60_000 });
  rig.setNow(rig.clock.now() + 60_001);
  await receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
    conversationId: conversation.conversationId,
    answerId: 'a-6',
    text: 'Still there?',
  });
  await convey();
  expect(webTexts(outside, conversation.conversationId)).toEqual(['Still there?']);
});
