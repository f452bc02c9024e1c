/**
 * Stream records built from a rig's item, as Lambda's event source mapping delivers them, for tests
 * that hand records to the real conveyor handler (functions/conveyor/handler) themselves, on a
 * table no conveyor reads: a batch replayed, cut elsewhere, or with a record that cannot be read.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ConveyorPorts } from '../../../functions/conveyor/convey';
import { createHandler } from '../../../functions/conveyor/handler';
import type { Conversation } from '../../../shared/domain/conversation';
import { parseConversationItem } from '../../../shared/store/conversation-item';
import type { TestRig } from './runtime';

export type AttributeMap = Record<string, AttributeValue>;

export interface StreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY';
  eventSource: 'aws:dynamodb';
  dynamodb: {
    SequenceNumber: string;
    Keys: { pk: { S: string }; sk: { S: string } };
    NewImage: AttributeMap;
    OldImage?: AttributeMap;
  };
}

/** Sequence numbers rise across the file, as they do on one stream shard. */
let sequence = 0;

function streamRecord(oldImage: AttributeMap | undefined, after: Record<string, unknown>): StreamRecord {
  sequence += 1;
  return {
    eventID: `event-${sequence}`,
    eventName: oldImage ? 'MODIFY' : 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(sequence).padStart(21, '0'),
      Keys: { pk: { S: String(after.pk) }, sk: { S: String(after.sk) } },
      NewImage: marshall(after, { removeUndefinedValues: true }),
      ...(oldImage ? { OldImage: oldImage } : {}),
    },
  };
}

/**
 * The stream record of the one write `write` makes on the conversation's item (INSERT if it made
 * the item). A write either counts the version or keeps it (an index entry moved); one that changed
 * nothing has no record, and two writes are two records.
 */
export async function recorded(
  on: TestRig,
  conversation: Conversation,
  write: () => Promise<unknown>,
): Promise<StreamRecord> {
  const before = await on.rawItem(conversation.tenantId, conversation.conversationId);
  await write();
  const after = await on.rawItem(conversation.tenantId, conversation.conversationId);
  if (!after) throw new Error('the write left no item');
  if (before) {
    const counted = Number(after.version) - Number(before.version);
    if (counted > 1 || counted < 0) throw new Error('not one write');
    if (isDeepStrictEqual(before, after)) throw new Error('the write changed nothing: no record');
  }
  return streamRecord(before && marshall(before, { removeUndefinedValues: true }), after);
}

/** The record of the one write made on the item since `previous` (by the handler). */
export async function nextRecord(
  on: TestRig,
  conversation: Conversation,
  previous: StreamRecord,
): Promise<StreamRecord> {
  const after = await on.rawItem(conversation.tenantId, conversation.conversationId);
  if (!after) throw new Error('no item');
  if (after.version !== decoded(previous).version + 1) throw new Error('not one write since');
  return streamRecord(previous.dynamodb.NewImage, after);
}

/** A record's new image as a conversation. */
export const decoded = (record: StreamRecord): Conversation =>
  parseConversationItem(unmarshall(record.dynamodb.NewImage));

/** The real conveyor handler on `ports`, given `records` as one batch, as Lambda invokes it. */
export const conveyRecords = (ports: ConveyorPorts, records: readonly StreamRecord[]) =>
  createHandler({ ...ports, forTenant: async () => ports })({ Records: records });
