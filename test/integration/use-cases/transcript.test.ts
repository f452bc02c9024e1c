/**
 * The transcript on DynamoDB Local with the real stream conveyor: kept in the conversation's item by
 * the writes that happen anyway, redacted before it is stored, trimmed to the tenant's count; a bot
 * pushing more answers than that without a user message between cannot grow the item without bound.
 */
import * as z from 'zod';
import { receiveBotAnswer } from '../../../functions/ingest/receive-bot-answer';
import { receiveUserMessage } from '../../../functions/ingest/receive-user-message';
import { PUSHED_ENTRIES_SLACK } from '../../../shared/domain/transcript';
import { useRigWithOutside } from './rig-with-outside';
import { seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-transcript');

const CARD = '5500-0000-0000-0004';

test('the message and the bot’s answers are kept with the pop, the card number redacted before it is stored; the bot still got it whole', async () => {
  const { rig, outside, conveyor } = setup;
  const conversationId = uniqueId('web');
  outside.answer(
    'bot',
    JSON.stringify({ answers: [{ text: 'Thanks, checking.' }, { text: 'One moment.' }] }),
  );
  await expect(
    receiveUserMessage(rig.runtime, {
      tenantId: 'acme',
      conversationId,
      channel: { type: 'web' },
      message: { id: 'm-1', text: `card ${CARD} was charged twice`, receivedAt: rig.clock.now() },
    }),
  ).resolves.toEqual({ outcome: 'accepted' });
  await conveyor.convey();

  expect(outside.of('bot').at(-1)?.body).toContain(CARD);
  const state = await rig.state('acme', conversationId);
  expect(state?.inbox).toBeUndefined();
  expect(state?.transcript).toEqual([
    { from: 'user', at: expect.any(Number), text: 'card [card number] was charged twice' },
    { from: 'bot', at: expect.any(Number), text: 'Thanks, checking.' },
    { from: 'bot', at: expect.any(Number), text: 'One moment.' },
  ]);
  expect(JSON.stringify(await rig.rawItem('acme', conversationId))).not.toContain('0004');
});

test('pushed answers are kept too; past the count and its slack, a push trims the transcript in its own write', async () => {
  const { rig, conveyor } = setup;
  const { conversationId } = await seed(rig, 'bot', { conversationId: uniqueId('web') });
  const keep = rig.tenant('acme').transcript.messages;
  const pushes = keep + PUSHED_ENTRIES_SLACK + 5;
  const lengths: number[] = [];
  for (let i = 1; i <= pushes; i += 1) {
    await receiveBotAnswer(rig.runtime, rig.tenant('acme'), {
      conversationId,
      answerId: `p-${i}`,
      text: `update ${i}`,
    });
    lengths.push((await rig.state('acme', conversationId))?.transcript?.length ?? 0);
  }
  await conveyor.convey();

  // Ten pushes append; the eleventh since the last whole write trims the list to the count (and
  // to its byte limit), and it grows again: never past the count and the slack.
  expect(Math.max(...lengths)).toBe(keep + PUSHED_ENTRIES_SLACK);
  expect(lengths.slice(0, PUSHED_ENTRIES_SLACK + 1)).toEqual(
    Array.from({ length: PUSHED_ENTRIES_SLACK + 1 }, (_, i) => i + 1),
  );
  const drops = lengths.filter((length, i) => i > 0 && length < (lengths[i - 1] ?? 0));
  expect(drops).toEqual([keep, keep]);
  const transcript = (await rig.state('acme', conversationId))?.transcript ?? [];
  expect(transcript.at(-1)).toMatchObject({ from: 'bot', text: `update ${pushes}` });
  // Every answer kept is in order, none twice, the newest all there.
  const numbers = transcript.map((entry) => Number(z.string().parse(entry.text).replace('update ', '')));
  expect(numbers).toEqual(numbers.map((_, i) => pushes - numbers.length + 1 + i));
});
