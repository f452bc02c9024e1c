/**
 * The conversation state machine: who owns a conversation and what happens when that changes.
 * Pure: no I/O, time comes in as an argument.
 *
 *   bot ──requestHandover──▶ presence ──presenceChecked(online)──▶ intake ──intakeCompleted──▶ handing_over
 *    ▲                          │ offline                            │ abandoned                 │ succeeded
 *    │                          ▼                                    ▼                           ▼
 *    └──────────────────────── bot ◀──────────── bot ◀── failed ── agent ──end / expire──▶ bot
 *
 * Every transition bumps `version`; the store writes it only if the stored version is the one read,
 * so two racing transitions cannot both win.
 */

import type { OutgoingEvent } from '../events/define';
import type { RichContent } from '../events/rich-content';
import { type Actor, type AuditEntry, withAudit } from './audit';
import type { DeadLetter, InboxEntry } from './inbox';
import type { Phase } from './phase';
import type { TranscriptEntry } from './transcript';
import type { Unsent } from './unsent';

export { PHASES, type Phase } from './phase';

export type AgentStatus = 'online' | 'offline';

export type ChannelRef =
  | { type: 'whatsapp'; waId: string; phoneNumberId: string }
  | { type: 'web'; pageUrl?: string | undefined }
  /** A chat on CM.com's router, Baton in the host's place: the chat as the router named it. */
  | { type: 'router'; chatId: string; channel: string; clientId: string; hostId: string };

/** Output additions of the answer that asked for a handover, saved for presence, routing and MSC. */
export interface HandoverAdditions {
  skill?: string | undefined;
  mscWebstore?: string | undefined;
  mscChannel: string;
}

export interface IntakeProgress {
  /** Index of the question being asked. */
  step: number;
  answers: Record<string, string>;
  /** Invalid answers given to the current question. */
  invalidAttempts: number;
  /** The user message whose answer produced this progress: a redelivery of it is recognised. */
  lastMessageId?: string | undefined;
}

export interface Conversation {
  tenantId: string;
  conversationId: string;
  channel: ChannelRef;
  phase: Phase;
  version: number;
  createdAt: number;
  updatedAt: number;
  /** When the user last wrote (ingest sets it with each message): WhatsApp's 24-hour window runs from it. */
  lastUserAt?: number | undefined;
  /** The context variable `agentStatus` of the last presence check; kept after the handover ends. */
  agentStatus?: AgentStatus | undefined;
  /** The desk's own id of this chat (the chat id CM.com's router answered with); kept after a handover ends. */
  deskChatId?: string | undefined;
  /** The additions of the last handover request (skill, mscWebstore, mscChannel); kept after it ends. */
  additions?: HandoverAdditions | undefined;
  /** The handover under way or live; absent while the bot owns the conversation. */
  handover?: Handover | undefined;
  /**
   * The events this version's write caused. The table's stream carries the write, and its consumer
   * publishes them (a transactional outbox read by change data capture); the next write drops them.
   */
  outbox?: readonly OutgoingEvent[] | undefined;
  /** User messages not yet delivered, in arrival order (see inbox.ts); transitions keep it as it is. */
  inbox?: readonly InboxEntry[] | undefined;
  /** The last transitions and delivery decisions, each recorded by the write that made it (audit.ts). */
  audit?: readonly AuditEntry[] | undefined;
  /** The last messages between the user and the bot, redacted, for the desk of the next handover (transcript.ts). */
  transcript?: readonly TranscriptEntry[] | undefined;
  /** The last messages no owner could take, for an operator to see. */
  deadLetters?: readonly DeadLetter[] | undefined;
  /** Messages for the user the conveyor could not send, until the relay delivers them (unsent.ts). */
  unsent?: readonly Unsent[] | undefined;
  /** The release of the last session that ended, for the bot's end event to read (never on the bus). */
  lastRelease?: (Release & { handoverId: string }) | undefined;
  /**
   * When the sweep last nudged a waiting inbox whose head nobody took (the stream's consumer gave up
   * on its record): the write is a stream record of its own, so the consumer looks again.
   */
  nudgedAt?: number | undefined;
}

export interface Handover {
  id: string;
  requestedAt: number;
  additions: HandoverAdditions;
  /** Web chat: the user's page, for URL-based routing when no web store is given. */
  pageUrl?: string | undefined;
  intake?: IntakeProgress | undefined;
  /** Epoch milliseconds after which the agent's lock no longer holds (sliding on activity). */
  lockExpiresAt?: number | undefined;
  /** When hand-over asked the desk to take the conversation (so it asks once), and which request marked it. */
  deskAskedAt?: number | undefined;
  deskAskedBy?: string | undefined;
  /** The tenant's intake timeout, fixed when the intake starts (the sweep has no tenant configuration). */
  intakeTimeoutMs?: number | undefined;
  /** When the desk must have the conversation by (claimed, for a desk live on its claim); set when it is asked. */
  pickupBy?: number | undefined;
  /** The desk goes live on its claim: until then the handover is pending, and withdrawn at `pickupBy`. */
  awaitsClaim?: boolean | undefined;
  /** While a claim is awaited: how often the user hears the tenant's waiting message, and when next. */
  waitingEveryMs?: number | undefined;
  nextWaitingAt?: number | undefined;
  /** The user's place in the desk's queue, as the desk last reported it. */
  queuePosition?: number | undefined;
  /** What the agent left for the bot with its end call, handed on when the session ends. */
  release?: Release | undefined;
  /** The ids of the agent's last messages: a desk's retry of one is not a second message. */
  agentMessageIds?: readonly string[] | undefined;
}

/** An agent's message for the user; `signOff` carries the button that ends the session. */
export interface AgentMessage {
  id: string;
  /** Empty when a file says it all. */
  text: string;
  signOff: boolean;
  /** A file, reply buttons or a list (shared/events/rich-content.ts). */
  rich?: RichContent | undefined;
}

/** How many of the agent's message ids a handover keeps, to know a desk's retry. */
export const AGENT_MESSAGE_IDS_KEPT = 20;

/** The agent's parting words for the bot (Switchboard's release metadata, Meta's thread metadata). */
export interface Release {
  summary?: string | undefined;
  variables?: Record<string, string> | undefined;
}

/** Why an intake ended without a handover. */
export type AbandonReason = 'cancelled' | 'too_many_invalid' | 'timeout';

export type EndReason = 'agent' | 'user' | 'expired' | 'operator';

/**
 * What may happen to a conversation. A command about a handover names it: one meant for an earlier
 * handover (a late event, a retry) is illegal in the next one, whatever its phase.
 */
export type Command =
  | {
      type: 'requestHandover';
      handoverId: string;
      additions: HandoverAdditions;
      pageUrl?: string | undefined;
    }
  | {
      type: 'presenceChecked';
      handoverId: string;
      status: AgentStatus;
      /** Outside the tenant's business hours: offline without asking presence. */
      closed?: boolean | undefined;
      intakeTimeoutMs?: number | undefined;
    }
  | { type: 'intakeProgressed'; handoverId: string; intake: IntakeProgress }
  | { type: 'intakeCompleted'; handoverId: string; answers: Record<string, string> }
  | { type: 'intakeAbandoned'; handoverId: string; reason: AbandonReason }
  | { type: 'handoverSucceeded'; handoverId: string; lockMs: number; deskChatId?: string | undefined }
  | { type: 'handoverFailed'; handoverId: string; stage: string }
  /** The agent wrote (with a message for the user) or is still there: the lock slides. */
  | { type: 'activity'; lockMs: number; release?: Release | undefined; message?: AgentMessage | undefined }
  | { type: 'endSession'; by: 'agent' | 'user' }
  | { type: 'expire' }
  /** An operator ends a live session (issue 19): `reason` is a short code of theirs, never free text. */
  | { type: 'forceEnd'; reason: string }
  /** A pending handover's waiting message is due (the sweep). */
  | { type: 'waitingNoticeDue'; handoverId: string }
  /** The desk says where the user stands in its queue. */
  | { type: 'queuePositionReported'; handoverId: string; position: number }
  /** No claim by the pickup deadline: the desk is told, the bot has the conversation again. */
  | { type: 'withdrawHandover'; handoverId: string }
  /**
   * The agent passes a live chat to the desk of another skill: a new handover (`toHandoverId`) with
   * the same intake answers goes to that desk; until it takes it, the user's messages wait for it.
   */
  | { type: 'transferHandover'; handoverId: string; toHandoverId: string; skill: string };

export type CommandType = Command['type'];
export const COMMAND_TYPES: readonly CommandType[] = [
  'requestHandover',
  'presenceChecked',
  'intakeProgressed',
  'intakeCompleted',
  'intakeAbandoned',
  'handoverSucceeded',
  'handoverFailed',
  'activity',
  'endSession',
  'expire',
  'forceEnd',
  'waitingNoticeDue',
  'queuePositionReported',
  'withdrawHandover',
  'transferHandover',
];

/** What must happen outside because of a transition; the use case turns these into events or calls. */
export type Effect =
  | { type: 'checkPresence'; handoverId: string }
  | { type: 'startIntake'; handoverId: string }
  | { type: 'notifyNoAgents'; handoverId: string; closed: boolean }
  | { type: 'handOver'; handoverId: string }
  | { type: 'notifyHandoverFailed'; handoverId: string; stage: string; skill?: string | undefined }
  | { type: 'sessionStarted'; handoverId: string }
  /** The agent's message goes to the user (from the write's record: in order with the notices). */
  | { type: 'agentMessage'; handoverId: string; message: AgentMessage }
  | { type: 'sessionEnded'; handoverId: string; reason: EndReason; skill?: string | undefined }
  | { type: 'intakeAbandoned'; handoverId: string; reason: AbandonReason }
  /** The user hears that they are waiting (and where they stand, when the desk said). */
  | { type: 'waitingNotice'; handoverId: string; position?: number | undefined }
  | { type: 'handoverWithdrawn'; handoverId: string; skill?: string | undefined }
  /** The live chat moved to another skill's desk: the old desk is told, the user hears of it. */
  | { type: 'handoverTransferred'; handoverId: string; fromSkill?: string | undefined; toHandoverId: string };

export interface Transition {
  state: Conversation;
  effects: Effect[];
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';

  constructor(
    readonly phase: Phase,
    readonly command: CommandType,
  ) {
    super(`command ${command} is not allowed in phase ${phase}`);
  }
}

export function newConversation(
  tenantId: string,
  conversationId: string,
  channel: ChannelRef,
  now: number,
): Conversation {
  return { tenantId, conversationId, channel, phase: 'bot', version: 0, createdAt: now, updatedAt: now };
}

/**
 * The phase that holds at `now`. A lock past its expiry is not trusted, whether or not the sweep
 * has released it yet: the conversation is the bot's again.
 */
export function effectivePhase(state: Conversation, now: number): Phase {
  if (state.phase === 'agent' && isLockExpired(state, now)) return 'bot';
  return state.phase;
}

export function isLockExpired(state: Conversation, now: number): boolean {
  const expiresAt = state.handover?.lockExpiresAt;
  return state.phase === 'agent' && expiresAt !== undefined && expiresAt <= now;
}

/**
 * How long a handover may sit in one step without any write before the sweep gives up on it (back
 * to the bot, the user told): the step's event was lost or dead-lettered, or the user walked away
 * from the intake. Each write (an answer, a message taken) starts the wait again.
 */
export const STEP_TIMEOUT_MS = {
  presence: 2 * 60_000,
  intake: 30 * 60_000,
  handing_over: 5 * 60_000,
} as const satisfies Partial<Record<Phase, number>>;

/**
 * When the current step of a handover under way times out; undefined outside those steps. Once the
 * desk is asked, its pickup deadline: fixed, so waiting notices and queue reports do not extend it.
 */
export function stepDeadline(state: Conversation): number | undefined {
  const { phase } = state;
  if (phase !== 'presence' && phase !== 'intake' && phase !== 'handing_over') return undefined;
  const pickupBy = phase === 'handing_over' ? state.handover?.pickupBy : undefined;
  if (pickupBy !== undefined) return pickupBy;
  const timeoutMs = phase === 'intake' ? state.handover?.intakeTimeoutMs : undefined;
  return state.updatedAt + (timeoutMs ?? STEP_TIMEOUT_MS[phase]);
}

export function isStepOverdue(state: Conversation, now: number): boolean {
  const deadline = stepDeadline(state);
  return deadline !== undefined && deadline <= now;
}

/** Applies one command. Throws IllegalTransitionError when the command makes no sense in the phase. */
export function transition(state: Conversation, command: Command, now: number): Transition {
  const illegal = (): never => {
    throw new IllegalTransitionError(effectivePhase(state, now), command.type);
  };
  // The outbox belongs to the write that produced it; a new transition starts without one.
  const { outbox: _published, ...current } = state;
  const phase = effectivePhase(state, now);
  const next = (patch: Partial<Conversation>, effects: Effect[] = []): Transition => {
    const changed = { ...current, ...patch, version: state.version + 1, updatedAt: now };
    const entry: AuditEntry = {
      at: now,
      version: changed.version,
      // As stored: a lock past its expiry still reads `agent` until a write ends it.
      from: state.phase,
      to: changed.phase,
      action: command.type,
      actor: actorOf(command),
      cause: causeOf(command),
      handoverId: 'handoverId' in command ? command.handoverId : state.handover?.id,
    };
    return { state: { ...changed, audit: withAudit(state.audit, entry) }, effects };
  };
  // A command that names a handover acts on that one only.
  const named =
    'handoverId' in command && command.type !== 'requestHandover' ? command.handoverId : undefined;
  const handover = named === undefined || state.handover?.id === named ? state.handover : undefined;

  switch (command.type) {
    case 'requestHandover': {
      if (phase !== 'bot') return illegal();
      const created: Handover = {
        id: command.handoverId,
        requestedAt: now,
        additions: command.additions,
        ...(command.pageUrl === undefined ? {} : { pageUrl: command.pageUrl }),
      };
      // A lock that ran out but was not swept yet still ends properly: the bot hears of it first.
      const endedFirst: Effect[] =
        handover && isLockExpired(state, now)
          ? [
              {
                type: 'sessionEnded',
                handoverId: handover.id,
                reason: 'expired',
                skill: handover.additions.skill,
              },
            ]
          : [];
      // A new handover starts without the last one's release, unless that one is only ending now.
      const lastRelease = handover && isLockExpired(state, now) ? releaseOf(handover) : undefined;
      return next({ phase: 'presence', handover: created, additions: command.additions, lastRelease }, [
        ...endedFirst,
        { type: 'checkPresence', handoverId: command.handoverId },
      ]);
    }
    case 'presenceChecked': {
      if (phase !== 'presence' || !handover) return illegal();
      if (command.status === 'offline') {
        return next({ phase: 'bot', handover: undefined, agentStatus: 'offline' }, [
          { type: 'notifyNoAgents', handoverId: handover.id, closed: command.closed === true },
        ]);
      }
      const { intakeTimeoutMs } = command;
      return next(
        {
          phase: 'intake',
          agentStatus: 'online',
          handover: {
            ...handover,
            intake: { step: 0, answers: {}, invalidAttempts: 0 },
            ...(intakeTimeoutMs === undefined ? {} : { intakeTimeoutMs }),
          },
        },
        [{ type: 'startIntake', handoverId: handover.id }],
      );
    }
    case 'intakeProgressed':
      if (phase !== 'intake' || !handover) return illegal();
      return next({ handover: { ...handover, intake: command.intake } });
    case 'intakeCompleted':
      if (phase !== 'intake' || !handover) return illegal();
      return next(
        {
          phase: 'handing_over',
          handover: {
            ...handover,
            intake: { step: handover.intake?.step ?? 0, answers: command.answers, invalidAttempts: 0 },
          },
        },
        [{ type: 'handOver', handoverId: handover.id }],
      );
    case 'intakeAbandoned':
      if (phase !== 'intake' || !handover) return illegal();
      return next({ phase: 'bot', handover: undefined }, [
        { type: 'intakeAbandoned', handoverId: handover.id, reason: command.reason },
      ]);
    case 'handoverSucceeded':
      if (phase !== 'handing_over' || !handover) return illegal();
      return next(
        {
          phase: 'agent',
          handover: { ...handover, lockExpiresAt: now + command.lockMs },
          ...(command.deskChatId ? { deskChatId: command.deskChatId } : {}),
        },
        [{ type: 'sessionStarted', handoverId: handover.id }],
      );
    case 'handoverFailed':
      if ((phase !== 'presence' && phase !== 'intake' && phase !== 'handing_over') || !handover)
        return illegal();
      return next({ phase: 'bot', handover: undefined }, [
        {
          type: 'notifyHandoverFailed',
          handoverId: handover.id,
          stage: command.stage,
          skill: handover.additions.skill,
        },
      ]);
    case 'activity': {
      if (phase !== 'agent' || !handover) return illegal();
      const { message } = command;
      const ids = message
        ? [...(handover.agentMessageIds ?? []), message.id].slice(-AGENT_MESSAGE_IDS_KEPT)
        : handover.agentMessageIds;
      return next(
        {
          handover: {
            ...handover,
            lockExpiresAt: now + command.lockMs,
            ...(command.release ? { release: command.release } : {}),
            ...(ids ? { agentMessageIds: ids } : {}),
          },
        },
        message ? [{ type: 'agentMessage', handoverId: handover.id, message }] : [],
      );
    }
    case 'endSession':
      if (phase !== 'agent' || !handover) return illegal();
      return next({ phase: 'bot', handover: undefined, lastRelease: releaseOf(handover) }, [
        {
          type: 'sessionEnded',
          handoverId: handover.id,
          reason: command.by,
          skill: handover.additions.skill,
        },
      ]);
    case 'forceEnd':
      if (phase !== 'agent' || !handover) return illegal();
      return next({ phase: 'bot', handover: undefined, lastRelease: releaseOf(handover) }, [
        {
          type: 'sessionEnded',
          handoverId: handover.id,
          reason: 'operator',
          skill: handover.additions.skill,
        },
      ]);
    case 'expire':
      // Only a lock that has run out can expire; the stored phase is still `agent` until this runs.
      if (state.phase !== 'agent' || !handover || !isLockExpired(state, now)) return illegal();
      return next({ phase: 'bot', handover: undefined, lastRelease: releaseOf(handover) }, [
        { type: 'sessionEnded', handoverId: handover.id, reason: 'expired', skill: handover.additions.skill },
      ]);
    case 'waitingNoticeDue': {
      const { nextWaitingAt, waitingEveryMs } = handover ?? {};
      if (!pending(phase, handover) || nextWaitingAt === undefined || waitingEveryMs === undefined)
        return illegal();
      if (nextWaitingAt > now) return illegal();
      return next({ handover: { ...handover, nextWaitingAt: now + waitingEveryMs } }, [
        { type: 'waitingNotice', handoverId: handover.id, position: handover.queuePosition },
      ]);
    }
    case 'queuePositionReported':
      if (!pending(phase, handover)) return illegal();
      // The user hears of a change; the same place again is only recorded.
      return next(
        { handover: { ...handover, queuePosition: command.position } },
        command.position === handover.queuePosition
          ? []
          : [{ type: 'waitingNotice', handoverId: handover.id, position: command.position }],
      );
    case 'withdrawHandover':
      if (!pending(phase, handover)) return illegal();
      return next({ phase: 'bot', handover: undefined }, [
        { type: 'handoverWithdrawn', handoverId: handover.id, skill: handover.additions.skill },
      ]);
    case 'transferHandover': {
      if (phase !== 'agent' || !handover) return illegal();
      const additions = { ...handover.additions, skill: command.skill };
      // The desk's claim, lock and release belong to the handover that ends here.
      const moved: Handover = {
        id: command.toHandoverId,
        requestedAt: now,
        additions,
        ...(handover.pageUrl === undefined ? {} : { pageUrl: handover.pageUrl }),
        ...(handover.intake ? { intake: handover.intake } : {}),
      };
      return next({ phase: 'handing_over', handover: moved, additions }, [
        {
          type: 'handoverTransferred',
          handoverId: handover.id,
          fromSkill: handover.additions.skill,
          toHandoverId: command.toHandoverId,
        },
        { type: 'handOver', handoverId: command.toHandoverId },
      ]);
    }
  }
}

/** Who caused a command: the party whose call or message it comes from. */
export function actorOf(command: Command): Actor {
  switch (command.type) {
    case 'requestHandover':
      // A LIVECHAT_SESSION_START button is the user's request; any other comes from a bot answer.
      return command.handoverId.startsWith('start:') ? 'user' : 'bot';
    case 'presenceChecked':
      return 'baton';
    case 'intakeProgressed':
    case 'intakeCompleted':
      return 'user';
    case 'intakeAbandoned':
      return command.reason === 'timeout' ? 'sweep' : 'user';
    case 'handoverSucceeded':
    case 'queuePositionReported':
      return 'desk';
    case 'handoverFailed':
      if (command.stage.startsWith('desk')) return 'desk';
      return command.stage.startsWith('timeout') ? 'sweep' : 'bot';
    case 'activity':
    case 'transferHandover':
      return 'agent';
    case 'endSession':
      return command.by;
    case 'forceEnd':
      return 'operator';
    case 'expire':
    case 'waitingNoticeDue':
    case 'withdrawHandover':
      return 'sweep';
  }
}

/** Why, in Baton's own words (no text of anyone's). */
function causeOf(command: Command): string | undefined {
  switch (command.type) {
    case 'presenceChecked':
      return command.closed ? 'closed' : command.status;
    case 'intakeAbandoned':
      return command.reason;
    case 'handoverFailed':
      return command.stage;
    case 'activity':
      return command.message ? (command.message.signOff ? 'sign_off' : 'message') : undefined;
    case 'forceEnd':
      return command.reason;
    default:
      return undefined;
  }
}

/** Legal only while a handover waits for the desk's claim. */
function pending(phase: Phase, handover: Handover | undefined): handover is Handover & { awaitsClaim: true } {
  return phase === 'handing_over' && handover?.awaitsClaim === true;
}

const releaseOf = (handover: Handover): Conversation['lastRelease'] =>
  handover.release ? { handoverId: handover.id, ...handover.release } : undefined;
