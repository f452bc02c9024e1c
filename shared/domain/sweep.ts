/** When the sweep must look at a conversation: what the sparse expiry index is keyed on. */
import { type Conversation, stepDeadline } from './conversation';
import { deliverableHead, INBOX_STALL_MS } from './inbox';

/**
 * Its lock's end, a handover step's deadline, or when a head that may be delivered has waited too
 * long; undefined when nothing is due.
 */
export function sweepDueAt(conversation: Conversation): number | undefined {
  const { phase, updatedAt } = conversation;
  const due = [
    phase === 'agent' ? conversation.handover?.lockExpiresAt : undefined,
    stepDeadline(conversation),
    // A pending handover's next waiting message.
    phase === 'handing_over' ? conversation.handover?.nextWaitingAt : undefined,
    // While presence is checked or the desk asked, messages wait on purpose: the outcome's write
    // is the record that sends them on.
    deliverableHead(conversation) ? updatedAt + INBOX_STALL_MS : undefined,
  ].filter((at): at is number => at !== undefined);
  return due.length ? Math.min(...due) : undefined;
}
