/**
 * Messages for the user that the conveyor could not send in place (the channel failing): kept in the
 * conversation item until the relay delivers them with the bus's retries. The bus carries only a
 * reference to one (MessageUnsent), never its text. Pure.
 */
import type { RichContent } from '../events/rich-content';
import type { BotAnswer } from '../events/shapes';

export type Unsent =
  /** An agent's message (or sign-off, with its confirm button). */
  | {
      kind: 'agent';
      key: string;
      handoverId: string;
      messageId: string;
      text: string;
      signOff: boolean;
      rich?: RichContent | undefined;
    }
  /**
   * A bot's answer. What it asks for (a handover, the end of a bot-run intake) was applied when it
   * was parked: the notices it led to wait behind it.
   */
  | { kind: 'answer'; key: string; answer: BotAnswer; pageUrl?: string | undefined }
  /** A handover notice ("an agent joined", "the chat ended") that came while others waited. */
  | { kind: 'notice'; key: string; text: string };

/**
 * More than this waiting at once (by count, or by size: the item holds the inbox too, and DynamoDB
 * takes at most 400 KB): the channel has been down a while; the oldest are given up.
 */
export const MAX_UNSENT = 20;
export const MAX_UNSENT_BYTES = 100_000;

const sizeOf = (entries: readonly Unsent[]): number => Buffer.byteLength(JSON.stringify(entries));

/** The once-only key of an unsent message: the key its delivery would have had. */
export const unsentKey = {
  agent: (messageId: string): string => `agent:${messageId}`,
  answer: (answerId: string): string => `answer:${answerId}`,
  /** By what called for it and the version of the write it went with: one notice per write. */
  notice: (eventId: string): string => `notice:${eventId}`,
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
  let over = Math.max(0, all.length - MAX_UNSENT);
  while (over < all.length - 1 && sizeOf(all.slice(over)) > MAX_UNSENT_BYTES) over += 1;
  return { unsent: all.slice(over), dropped: all.slice(0, over) };
}

/** The state without the entries `keys`, or undefined when none is there (sent and taken out before). */
export function withoutUnsent<State extends UnsentState>(
  state: State,
  keys: readonly string[],
  now: number,
): State | undefined {
  const kept = state.unsent ?? [];
  const rest = kept.filter((entry) => !keys.includes(entry.key));
  if (rest.length === kept.length) return undefined;
  return { ...state, unsent: rest.length ? rest : undefined, version: state.version + 1, updatedAt: now };
}
