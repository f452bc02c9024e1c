/**
 * The conversation's inbox: user messages kept in arrival order until their owner has them.
 *
 *   ingest ──append──▶ [m1, m2, m3] ──(the stream's consumer delivers the head)──pop──▶ [m2, m3]
 *                                        └── failed 3 times, or refused for good: to deadLetters
 *
 * EventBridge neither orders nor delivers once, so order cannot come from the events: it comes from
 * this list, which only the table stream's consumer works through, head first (conveyor.ts). Pure.
 */
import type { UserMessage } from '../events/shapes';
import { type Actor, type AuditEntry, type DeliveryAction, withAudit } from './audit';
import { LIVECHAT_SESSION_START } from './livechat-payloads';
import type { Phase } from './phase';
import type { Route } from './routing';

export interface InboxEntry {
  message: UserMessage;
}

export interface DeadLetter {
  message: UserMessage;
  route: Route;
  /** An error's name, never its message (which may quote the user). */
  reason: string;
  at: number;
}

/** What the inbox functions need of a conversation: its lists and its version. */
export interface InboxState {
  phase: Phase;
  version: number;
  updatedAt: number;
  inbox?: readonly InboxEntry[] | undefined;
  deadLetters?: readonly DeadLetter[] | undefined;
  audit?: readonly AuditEntry[] | undefined;
  handover?: { id: string } | undefined;
}

/** Messages waiting beyond this are refused at the webhook (429): the channel retries later. */
export const MAX_INBOX = 50;

/**
 * A deliverable head normally leaves the inbox within seconds (the stream's consumer, at most three
 * attempts of an outside call); one still there after this is nudged by the sweep.
 */
export const INBOX_STALL_MS = 2 * 60_000;

/** A failing delivery is tried this often before the message is dead-lettered. */
export const MAX_DELIVERY_ATTEMPTS = 3;
/** Dead letters kept on the conversation for an operator to see and replay; older ones drop off. */
export const MAX_DEAD_LETTERS = 10;

export const headOf = (state: InboxState): InboxEntry | undefined => state.inbox?.[0];

/**
 * Phases whose outcome decides who gets the waiting messages, so they wait for it: the presence
 * check (the intake, or the bot again) and the desk's answer to the handover (the agent, or the
 * bot again). A message forwarded to a desk that then refused the handover would reach nobody.
 * A request for a handover passes the presence check: it changes nothing and is no intake answer.
 */
export function deliverableHead(state: InboxState | undefined): InboxEntry | undefined {
  const head = state && headOf(state);
  if (!head || state.phase === 'handing_over') return undefined;
  if (state.phase === 'presence' && head.message.payload !== LIVECHAT_SESSION_START) return undefined;
  return head;
}

/** The fields an inbox change writes; the caller spreads them over the state it changes. */
export type InboxChange = Pick<InboxState, 'inbox' | 'deadLetters' | 'version' | 'updatedAt' | 'audit'>;

/** The decision recorded in the audit trail, by the conveyor (Baton) unless told, for the handover of now. */
const decided = (
  state: InboxState,
  action: DeliveryAction,
  cause: string,
  now: number,
  actor: Actor = 'baton',
) =>
  withAudit(state.audit, {
    at: now,
    version: state.version + 1,
    from: state.phase,
    to: state.phase,
    action,
    actor,
    cause,
    handoverId: state.handover?.id,
  });

const without = (state: InboxState, now: number): Omit<InboxChange, 'audit'> => ({
  inbox: state.inbox?.length && state.inbox.length > 1 ? state.inbox.slice(1) : undefined,
  version: state.version + 1,
  updatedAt: now,
});

/** Who took a message: its owner, or the session itself (LIVECHAT_SESSION_START or _END act on it). */
export type Taker = Route | 'session';

/** The head removed: `to` has it. Undefined when `messageId` is not the head (popped already). */
export function popHead(
  state: InboxState,
  messageId: string,
  to: Taker,
  now: number,
): InboxChange | undefined {
  if (headOf(state)?.message.id !== messageId) return undefined;
  return { ...without(state, now), audit: decided(state, 'delivered', to, now) };
}

/** A message already taken off the inbox kept among the dead letters: its owner never took it. */
export function withDeadLetter(
  state: InboxState,
  letter: DeadLetter,
  now: number,
): Pick<InboxState, 'deadLetters' | 'version' | 'updatedAt' | 'audit'> {
  const deadLetters = [...(state.deadLetters ?? []), letter].slice(-MAX_DEAD_LETTERS);
  return {
    deadLetters,
    version: state.version + 1,
    updatedAt: now,
    audit: decided(state, 'dead_lettered', `${letter.route}:${letter.reason}`, now),
  };
}

/** The head moved to the dead letters, so the messages behind it are not held up for good. */
export function deadLetterHead(
  state: InboxState,
  messageId: string,
  letter: Omit<DeadLetter, 'message' | 'at'>,
  now: number,
): InboxChange | undefined {
  const head = headOf(state);
  if (!head || head.message.id !== messageId) return undefined;
  return {
    ...without(state, now),
    ...withDeadLetter(state, { ...letter, message: head.message, at: now }, now),
  };
}

/**
 * The dead letters back at the inbox's head, oldest first, for the owner of now (an operator's
 * redrive): they are older than anything waiting. Undefined when there are none, or when they would
 * take the inbox past MAX_INBOX.
 */
export function redriven(state: InboxState, now: number): InboxChange | undefined {
  const letters = state.deadLetters ?? [];
  const waiting = state.inbox ?? [];
  if (letters.length === 0 || letters.length + waiting.length > MAX_INBOX) return undefined;
  return {
    inbox: [...letters.map(({ message }) => ({ message })), ...waiting],
    deadLetters: undefined,
    version: state.version + 1,
    updatedAt: now,
    audit: decided(state, 'redriven', String(letters.length), now, 'operator'),
  };
}
