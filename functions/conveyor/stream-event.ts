/**
 * (DynamoDB Streams, through Lambda's event source mapping or the local poller) → the records of
 * conversation items, images decoded from DynamoDB's attribute-value JSON and parsed as conversations.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod/mini';
import type { ConversationRecord } from '../../shared/domain/conveyor';
import { parseConversationItem } from '../../shared/store/conversation-item';
import { parse, stringRecord } from '../../shared/validation/zod';

const imageSchema = z.optional(stringRecord(z.unknown()));

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

/**
 * The batch's records of conversation items, up to the first one that cannot be read: that one's
 * sequence number is `undecodable`, and neither it nor any after it is acted on.
 */
export function decodeRecords(
  records: readonly StreamRecord[],
  onUndecodable: (error: unknown) => void,
): { records: ConversationRecord[]; undecodable?: string } {
  const decoded: ConversationRecord[] = [];
  for (const raw of records) {
    try {
      const record = conversationRecord(raw);
      if (record) decoded.push(record);
    } catch (error) {
      onUndecodable(error);
      return { records: decoded, undecodable: raw.dynamodb.SequenceNumber };
    }
  }
  return { records: decoded };
}

/**
 * A stored image as plain values, by the SDK's own decoder (which refuses a type it does not know);
 * the conversation schema then refuses what Baton never writes.
 */
function decodeImage(image: Record<string, unknown>): Record<string, unknown> {
  if (!isAttributeMap(image)) throw new UndecodableImageError('an attribute is not an attribute value');
  return unmarshall(image);
}

// Only the top level is checked here: unmarshall checks each value's type tag as it decodes.
const isAttributeMap = (image: Record<string, unknown>): image is Record<string, AttributeValue> =>
  Object.values(image).every((value) => typeof value === 'object' && value !== null && !Array.isArray(value));

export class UndecodableImageError extends Error {
  override readonly name = 'UndecodableImageError';
}
