/**
 * What the table stream's consumer does with a conversation's records, decided from its images. Pure.
 *
 * Each batch of records of one conversation is compared with the image before it (the last one the
 * consumer saw): a head that became deliverable since is delivered and popped, and the pop is the
 * next record. A head that was deliverable already, and never held since, is in the hands of the
 * record that made it so (delivered, or given up for the sweep): an append behind it, or a stale
 * image of it, changes nothing. One held and freed again within the batch is delivered if a read
 * finds it still there: the batch that saw it freed may have read it held.
 */
import type { Conversation } from './conversation';
import { deliverableHead, headOf, INBOX_STALL_MS, type InboxEntry } from './inbox';
import { isUnanswered } from './intake';
import { sweepDueAt } from './sweep';

/** One stream record of a conversation item: the images around one write. */
export interface ConversationRecord {
  sequenceNumber: string;
  /** The item's partition key: records of one key come in order. */
  key: string;
  before: Conversation | undefined;
  after: Conversation;
}

export interface ConversationRecords {
  /** The image before the first record of the batch; undefined for a new item. */
  before: Conversation | undefined;
  /** The image after the last one: the owner of now, as far as the stream has told. */
  newest: Conversation;
  /**
   * Whether an image between `before` and `newest` held a head it does not deliver (a handover step
   * or a change of owner): a head deliverable before and again at the end may have been skipped
   * meanwhile by the batch that saw it held.
   */
  heldBetween?: boolean | undefined;
}

/** Whether an image has a head that waits (held by a handover step), not a deliverable one. */
export const holdsHead = (image: Conversation): boolean =>
  headOf(image) !== undefined && deliverableHead(image) === undefined;

export interface Delivery {
  head: InboxEntry;
  /** Deliver only if a read of the item finds this head still there (it may have been handed out). */
  ifStillThere: boolean;
}

/** The head to deliver, if the batch made one deliverable (or the sweep nudged a stalled one). */
export function deliveryFor(records: ConversationRecords): Delivery | undefined {
  const { before, newest } = records;
  const head = deliverableHead(newest);
  if (!head) return undefined;
  // The sweep nudges a head it found stuck in the item: the item tells whether it still is.
  if (wasNudged(records)) return { head, ifStillThere: true };
  if (!before || headOf(before)?.message.id !== head.message.id) return { head, ifStillThere: false };
  if (deliverableHead(before) && !records.heldBetween) return undefined;
  return { head, ifStillThere: true };
}

/** Whether the sweep nudged the conversation in the batch: its records may be stale then (see conveyor). */
export const wasNudged = ({ before, newest }: ConversationRecords): boolean =>
  newest.nudgedAt !== undefined && newest.nudgedAt !== before?.nudgedAt;

/** The handover whose intake the batch started, so its first question goes out before any answer. */
export function intakeStarted({ before, newest }: ConversationRecords): string | undefined {
  const handoverId = newest.handover?.id;
  if (newest.phase !== 'intake' || handoverId === undefined) return undefined;
  if (before?.phase === 'intake' && before.handover?.id === handoverId) return undefined;
  return isUnanswered(newest.handover?.intake) ? handoverId : undefined;
}

/**
 * Whether the batch appended a message while a pending handover has something due sooner than the
 * append filed the conversation for (its stall check: the append cannot read what else is due). The
 * message waits for the desk's claim, so no pop re-files it: the consumer does.
 */
export function refileAfterAppend({ before, newest }: ConversationRecords): boolean {
  if (newest.phase !== 'handing_over' || !newest.handover?.awaitsClaim) return false;
  if ((newest.inbox?.length ?? 0) <= (before?.inbox?.length ?? 0)) return false;
  const due = sweepDueAt(newest);
  return due !== undefined && due < newest.updatedAt + INBOX_STALL_MS;
}
