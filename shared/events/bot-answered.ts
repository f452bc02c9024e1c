/** A bot's pushed answer, on its way to the user through the conveyor. */
import * as z from 'zod/mini';
import { conversationEventMetadata, createEvent, defineEvent, type OutgoingEvent } from './define';
import { type BotAnswer, botAnswerSchema, conversationRefSchema } from './shapes';

/**
 * ingest (`/answers`) → the conveyor, in the conversation's own write: a pushed answer, delivered from
 * that write's record, in order with the handover notices of the records around it. Never put on the
 * bus (it carries the text; the conveyor delivers it).
 */
export const AnswerPushed = defineEvent(
  'AnswerPushed',
  1,
  // The channel is the item's: the consumer delivers from it.
  z.object({ ...conversationRefSchema.shape, answer: botAnswerSchema }),
);

export function answerPushed(
  ref: { tenantId: string; conversationId: string },
  answer: BotAnswer,
  now: number,
): OutgoingEvent {
  const { tenantId, conversationId } = ref;
  return createEvent(
    AnswerPushed,
    conversationEventMetadata(`pushed:${answer.id}`, tenantId, conversationId, now),
    { tenantId, conversationId, answer },
  );
}
