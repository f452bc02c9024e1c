/**
 * The conversation's inbox: user messages kept in arrival order until their owner has them.
 *
 *   ingest ──append──▶ [m1, m2, m3] ──take head──▶ (delivered to the owner of now) ──pop──▶ [m2, m3]
 *                                        └── failed: released; the 3rd failure moves it to deadLetters
 *
 * EventBridge neither orders nor delivers once, so order cannot come from the events: it comes from
 * this list, which one drainer at a time works through, head first, always asking who owns the
 * conversation now. Pure: the store writes the results on the version read (taking the head is
 * the store's single conditional update, `takeInboxHead`).
 */
import type { UserMessage } from '../events/shapes';
import type { Conversation, Phase } from './conversation';
import type { Route } from './routing';

export interface InboxEntry {
  message: UserMessage;
  /** Deliveries started; a message whose delivery failed this often is dead-lettered. */
  attempts: number;
  /** While a delivery is under way: until when the drainer that took it holds it. */
  takenUntil?: number | undefined;
  /**
   * Which take holds it. A take the SDK sends again (the first answer was lost on the way back) finds
   * its own hold and still gets the head, instead of leaving it held, by nobody, until the hold passes.
   */
  takenBy?: string | undefined;
  /**
   * The owner a failed attempt may have reached all the same (it timed out): the next attempt goes
   * there too, not to a new owner, so one message never reaches two owners.
   */
  route?: Route | undefined;
}

export interface DeadLetter {
  message: UserMessage;
  route: Route;
  /** An error's name, never its message (which may quote the user). */
  reason: string;
  at: number;
}

/** Messages waiting beyond this are refused at the webhook (429): the channel retries later. */
export const MAX_INBOX = 50;
/** A failing delivery is tried this often (the local bus and the AWS rule retry in between). */
export const MAX_DELIVERY_ATTEMPTS = 3;
/** Dead letters kept on the conversation for an operator to see and replay; older ones drop off. */
export const MAX_DEAD_LETTERS = 10;

export const headOf = (state: Conversation): InboxEntry | undefined => state.inbox?.[0];

/**
 * Phases whose outcome decides who gets the waiting messages, so they wait for it: the presence
 * check (the intake, or the bot again) and the desk's answer to the handover (the agent, or the
 * bot again). A message forwarded to a desk that then refused the handover would reach nobody.
 */
export const holdsInbox = (phase: Phase): boolean => phase === 'presence' || phase === 'handing_over';

export const isTaken = (entry: InboxEntry, now: number): boolean =>
  entry.takenUntil !== undefined && entry.takenUntil > now;

const isHead = (state: Conversation, messageId: string): boolean => headOf(state)?.message.id === messageId;

function withInbox(state: Conversation, inbox: readonly InboxEntry[], now: number): Conversation {
  const { inbox: _old, ...rest } = state;
  return { ...rest, ...(inbox.length ? { inbox } : {}), version: state.version + 1, updatedAt: now };
}

/**
 * The head given back: its delivery failed (`mayHaveReached` names the owner a timed-out attempt
 * may have reached), or the owner changed under it (`refund`: the attempt does not count, and the
 * message goes to the owner of now).
 */
export function releaseHead(
  state: Conversation,
  messageId: string,
  now: number,
  options: { refund?: boolean; mayHaveReached?: Route | undefined } = {},
): Conversation | undefined {
  const [head, ...rest] = state.inbox ?? [];
  if (!head || head.message.id !== messageId) return undefined;
  const attempts = options.refund ? Math.max(0, head.attempts - 1) : head.attempts;
  const route = options.refund ? undefined : (options.mayHaveReached ?? head.route);
  return withInbox(state, [{ message: head.message, attempts, ...(route ? { route } : {}) }, ...rest], now);
}

/** The head removed: its owner has it. */
export function popHead(state: Conversation, messageId: string, now: number): Conversation | undefined {
  if (!isHead(state, messageId)) return undefined;
  return withInbox(state, (state.inbox ?? []).slice(1), now);
}

/** The head moved to the dead letters, so the messages behind it are not held up for good. */
export function deadLetterHead(
  state: Conversation,
  messageId: string,
  letter: Omit<DeadLetter, 'message' | 'at'>,
  now: number,
): Conversation | undefined {
  const head = headOf(state);
  if (!head || head.message.id !== messageId) return undefined;
  const popped = withInbox(state, (state.inbox ?? []).slice(1), now);
  const deadLetters = [...(state.deadLetters ?? []), { ...letter, message: head.message, at: now }];
  return { ...popped, deadLetters: deadLetters.slice(-MAX_DEAD_LETTERS) };
}
