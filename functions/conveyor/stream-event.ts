/**
 * (DynamoDB Streams, through Lambda's event source mapping or the local poller) → the records of
 * conversation items, images decoded from DynamoDB's attribute-value JSON and parsed as conversations.
 */
import * as z from 'zod/mini';
import type { Conversation } from '../../shared/domain/conversation';
import { parseConversationItem } from '../../shared/store/conversation-item';
import { parse } from '../../shared/validation/zod';

const imageSchema = z.optional(z.record(z.string(), z.unknown()));

export const streamEventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
      dynamodb: z.object({
        SequenceNumber: z.string(),
        Keys: z.object({ pk: z.object({ S: z.string() }), sk: z.object({ S: z.string() }) }),
        NewImage: imageSchema,
        OldImage: imageSchema,
      }),
    }),
  ),
});
export type StreamEvent = z.infer<typeof streamEventSchema>;
export type StreamRecord = StreamEvent['Records'][number];

export interface ConversationRecord {
  sequenceNumber: string;
  /** The item's partition key: records of one key come in order. */
  key: string;
  before: Conversation | undefined;
  after: Conversation;
}

/** A record of a conversation item; undefined for one the consumer has nothing to do with (a delete). */
export function conversationRecord(record: StreamRecord): ConversationRecord | undefined {
  const { NewImage, OldImage, SequenceNumber, Keys } = record.dynamodb;
  if (record.eventName === 'REMOVE' || !NewImage) return undefined;
  return {
    sequenceNumber: SequenceNumber,
    key: Keys.pk.S,
    before: OldImage ? parseConversationItem(decodeImage(OldImage)) : undefined,
    after: parseConversationItem(decodeImage(NewImage)),
  };
}

export const parseStreamEvent = (event: unknown): StreamEvent => parse(streamEventSchema, event);

/** A stored image as plain values. Strict: a type Baton never writes (binary, sets) is refused. */
export function decodeImage(image: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, decodeValue(value)]));
}

function decodeValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) throw new UndecodableImageError('not an attribute value');
  if ('S' in value && typeof value.S === 'string') return value.S;
  if ('N' in value && typeof value.N === 'string') return Number(value.N);
  if ('BOOL' in value && typeof value.BOOL === 'boolean') return value.BOOL;
  if ('NULL' in value) return null;
  if ('L' in value && Array.isArray(value.L)) return value.L.map(decodeValue);
  if ('M' in value && typeof value.M === 'object' && value.M !== null && !Array.isArray(value.M)) {
    return Object.fromEntries(Object.entries(value.M).map(([name, inner]) => [name, decodeValue(inner)]));
  }
  throw new UndecodableImageError(`attribute type ${JSON.stringify(value).slice(0, 200)}`);
}

export class UndecodableImageError extends Error {
  override readonly name = 'UndecodableImageError';
}
