/**
 * Messages for the user that the conveyor could not send in place (the channel failing): kept in the
 * conversation item until the relay delivers them with the bus's retries. The bus carries only a
 * reference to one (MessageUnsent), never its text. Pure.
 */
import type { BotAnswer } from '../events/shapes';

export type Unsent =
  /** An agent's message (or sign-off, with its confirm button). */
  | { kind: 'agent'; key: string; handoverId: string; messageId: string; text: string; signOff: boolean }
  /** A bot's answer, and what it asks for (a handover, the end of a bot-run intake) with it. */
  | { kind: 'answer'; key: string; answer: BotAnswer; pageUrl?: string | undefined };

/** More than this waiting at once: the channel has been down a while; the oldest are given up. */
export const MAX_UNSENT = 20;

/** The once-only key of an unsent message: the key its delivery would have had. */
export const unsentKey = {
  agent: (messageId: string): string => `agent:${messageId}`,
  answer: (answerId: string): string => `answer:${answerId}`,
};

interface UnsentState {
  version: number;
  updatedAt: number;
  unsent?: readonly Unsent[] | undefined;
}

/** The entries added (a key already kept is not kept twice), and those given up to stay within MAX_UNSENT. */
export function withUnsent(
  state: UnsentState,
  entries: readonly Unsent[],
): { unsent: Unsent[]; dropped: Unsent[] } {
  const kept = state.unsent ?? [];
  const fresh = entries.filter((entry) => !kept.some((known) => known.key === entry.key));
  const all = [...kept, ...fresh];
  const over = Math.max(0, all.length - MAX_UNSENT);
  return { unsent: all.slice(over), dropped: all.slice(0, over) };
}

/** The state without the entry `key`, or undefined when it is not there (delivered and removed before). */
export function withoutUnsent<State extends UnsentState>(
  state: State,
  key: string,
  now: number,
): State | undefined {
  const kept = state.unsent ?? [];
  if (!kept.some((entry) => entry.key === key)) return undefined;
  const rest = kept.filter((entry) => entry.key !== key);
  return { ...state, unsent: rest.length ? rest : undefined, version: state.version + 1, updatedAt: now };
}
