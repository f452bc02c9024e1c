/** The write that ends a delivery: the head popped, and the command the delivery led to, in one request. */
import type { Command, Conversation } from '../../shared/domain/conversation';
import { headOf, popHead, type Taker } from '../../shared/domain/inbox';
import type { Route } from '../../shared/domain/routing';
import { type TranscriptEntry, type TranscriptPolicy, withEntries } from '../../shared/domain/transcript';
import type { Unsent } from '../../shared/domain/unsent';
import { applyCommand } from '../../shared/flow/apply-command';
import type { Runtime } from '../../shared/runtime/runtime';
import { OwnerChangedError } from './owner-changed';
import { parked, reportDropped } from './park-unsent';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'logger' | 'metrics'>;

export interface Popped {
  /** The conversation as written, or as found when the message was no longer the head. */
  state: Conversation;
  /** False when the message was gone already: popped by a run of the same record before (a replay). */
  popped: boolean;
}

export interface PopOptions {
  /** Messages for the user the conveyor could not send, parked for the relay in the same write. */
  park?: readonly Unsent[];
  onlyWithCommand?: boolean;
  /** Entries the delivery adds to the transcript (the message and the bot's answers to it); none when it is off. */
  remember?: { entries: readonly TranscriptEntry[]; policy: TranscriptPolicy } | undefined;
}

/**
 * Pops `messageId` and applies what `decide` returns, in one write on `known` first, with the
 * messages for the user to `park` (unsent, for the relay) and the transcript's new entries; nothing at all
 * when the message is no longer the head, nor without a command when `onlyWithCommand`. Undefined
 * when the conversation is gone.
 */
export async function popAnd(
  ports: Ports,
  known: Conversation,
  messageId: string,
  /** Who gets the message, for the audit trail. */
  to: Taker,
  decide: (state: Conversation, now: number) => Command | undefined = () => undefined,
  { park = [], onlyWithCommand = false, remember }: PopOptions = {},
): Promise<Popped | undefined> {
  let popped = false;
  let dropped = 0;
  const applied = await applyCommand(
    ports,
    known.tenantId,
    known.conversationId,
    (state, now) => (popped ? decide(state, now) : undefined),
    known,
    {
      alongside: (state, now) => {
        const change = popHead(state, messageId, to, now);
        popped = change !== undefined;
        if (!change) return undefined;
        const parking = park.length ? parked(state, park, now) : undefined;
        dropped = parking?.dropped ?? 0;
        const transcript = remember?.entries.length
          ? { transcript: withEntries(state.transcript, remember.entries, remember.policy, now) }
          : {};
        return { ...state, ...change, ...parking?.change, ...transcript };
      },
      onlyWithCommand,
    },
  );
  if (applied.outcome === 'missing') return undefined;
  if (applied.outcome === 'applied') reportDropped(ports, known.tenantId, dropped);
  return { state: applied.state, popped: applied.outcome === 'applied' && popped };
}

/**
 * Pops the message only together with the command `decide` gives (the owner takes it in the same
 * write). Throws OwnerChangedError, with the conversation as found, when the owner no longer
 * would and the message is still the head; `popped: false` when an earlier run of this very record
 * took it (a batch given again). Undefined when the conversation is gone.
 */
export async function popIfOwner(
  ports: Ports,
  known: Conversation,
  messageId: string,
  route: Route,
  decide: (state: Conversation, now: number) => Command | undefined,
  ownerGone: string,
): Promise<Popped | undefined> {
  const popped = await popAnd(ports, known, messageId, route, decide, { onlyWithCommand: true });
  if (popped && !popped.popped && headOf(popped.state)?.message.id === messageId)
    throw new OwnerChangedError(ownerGone, popped.state);
  return popped;
}
