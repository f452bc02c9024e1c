/**
 * The relay's delivery of messages the conveyor could not send, on DynamoDB Local and a real HTTP
 * web chat: read from the item, sent oldest first, taken out once sent; an answer's request applied
 * once; one run per conversation at a time.
 */
import { parkUnsent } from '../../../functions/conveyor/park-unsent';
import { deliverUnsent, UnsentBusyError } from '../../../functions/relay/deliver-unsent';
import type { Conversation } from '../../../shared/domain/conversation';
import { type Unsent, unsentKey } from '../../../shared/domain/unsent';

import { idRef } from '../../../shared/log/logger';
import { webTexts } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { byRef, seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-unsent');

const answer = (
  id: string,
  text: string,
  extra: Partial<Extract<Unsent, { kind: 'answer' }>['answer']> = {},
): Unsent => ({
  kind: 'answer',
  key: unsentKey.answer(id),
  answer: { id, text, ...extra },
});

/** A bot conversation with `entries` waiting in its item, as the conveyor parks them. */
async function waiting(entries: readonly Unsent[]): Promise<Conversation> {
  const conversation = await seed(setup.rig, 'bot', { conversationId: uniqueId('web') });
  return parkUnsent(setup.rig.runtime, conversation, entries);
}

const eventFor = (conversation: Conversation, key: string) => ({
  ...byRef(conversation.tenantId, conversation.conversationId),
  keyRef: idRef(key),
});

const stored = async (conversation: Conversation) =>
  setup.rig.state(conversation.tenantId, conversation.conversationId);

test('an event for a later message sends the older ones first, then it; each is taken out; a redelivery sends nothing', async () => {
  const conversation = await waiting([
    answer('m1:0', 'first'),
    answer('m1:1', 'second'),
    answer('m2:0', 'third'),
  ]);

  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:1')));
  expect(webTexts(setup.outside, conversation.conversationId)).toEqual(['first', 'second']);
  expect((await stored(conversation))?.unsent?.map((entry) => entry.key)).toEqual([unsentKey.answer('m2:0')]);

  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:0')));
  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m2:0')));
  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m2:0')));
  expect(webTexts(setup.outside, conversation.conversationId)).toEqual(['first', 'second', 'third']);
  expect((await stored(conversation))?.unsent).toBeUndefined();
});

test('the channel still failing: what went out is taken out, the rest stays, and the run fails for the bus to retry', async () => {
  const conversation = await waiting([answer('m1:0', 'first'), answer('m1:1', 'second')]);
  let calls = 0;
  const channels = {
    send: async (...args: Parameters<typeof setup.rig.runtime.channels.send>) => {
      calls += 1;
      if (calls === 2) throw Object.assign(new Error('channel down'), { retryable: true });
      return setup.rig.runtime.channels.send(...args);
    },
  };

  await expect(
    deliverUnsent({ ...setup.rig.runtime, channels }, eventFor(conversation, unsentKey.answer('m1:1'))),
  ).rejects.toThrow('channel down');
  expect((await stored(conversation))?.unsent?.map((entry) => entry.key)).toEqual([unsentKey.answer('m1:1')]);

  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:1')));
  expect(webTexts(setup.outside, conversation.conversationId)).toEqual(['first', 'second']);
  expect((await stored(conversation))?.unsent).toBeUndefined();
});

test('one run per conversation: while one holds it, another fails (the bus retries it) and takes nothing out', async () => {
  const conversation = await waiting([answer('m1:0', 'slow one')]);
  setup.outside.mode('web', 'hang-once');

  const first = deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:0')));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await expect(
    deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:0'))),
  ).rejects.toBeInstanceOf(UnsentBusyError);
  expect((await stored(conversation))?.unsent).toHaveLength(1);
  await expect(first).rejects.toThrow();

  // The hung send failed (timed out) and released the run: the bus's retry sends it.
  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:0')));
  expect((await stored(conversation))?.unsent).toBeUndefined();
});

test('an answer the channel refuses for good (a 4xx) is counted, taken out and not retried', async () => {
  const conversation = await waiting([answer('m1:0', 'refused')]);
  setup.outside.mode('web', '4xx');
  const before = setup.rig.metrics.count('MessageUndeliverable');

  await deliverUnsent(setup.rig.runtime, eventFor(conversation, unsentKey.answer('m1:0')));
  expect(setup.rig.metrics.count('MessageUndeliverable') - before).toBe(1);
  expect((await stored(conversation))?.unsent).toBeUndefined();
});
