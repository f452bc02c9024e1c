/** The handover flow's events, in the order a successful handover emits them. */

import * as z from 'zod/mini';
import { nonEmptyString } from '../validation/zod';
import { defineEvent } from './define';
import { richContentSchema } from './rich-content';
import { conversationByRefSchema } from './shapes';

/** `agentStatus`: the last presence check's answer (the bot's context variable), absent before the first. */
const handoverRef = {
  ...conversationByRefSchema.shape,
  handoverId: nonEmptyString(),
  agentStatus: z.optional(z.enum(['online', 'offline'])),
};

/** conveyor (an answer or the user asked) / relay (an answer it sent for the conveyor) → check-presence: a handover was requested. */
export const HandoverRequested = defineEvent(
  'HandoverRequested',
  1,
  // The request's additions and page are read with the handover (a page URL may name someone).
  z.object(handoverRef),
);

/** conveyor (the intake's last answer) → hand-over: the intake is complete; hand the conversation to the desk. */
export const IntakeCompleted = defineEvent(
  'IntakeCompleted',
  1,
  z.object({
    ...handoverRef,
    // No answers (a name, an email): the event names the handover, hand-over reads them from the table.
    /** The handover's skill: which of the tenant's desks gets it. */
    skill: z.optional(z.string()),
  }),
);

/** (any stage) → relay (a desk that may hold it is told): no handover after all; the bot keeps the conversation. */
export const HandoverDeclined = defineEvent(
  'HandoverDeclined',
  1,
  z.object({
    ...handoverRef,
    /**
     * `closed`: outside the tenant's business hours, presence not asked. `withdrawn`: a desk live on
     * its claim did not claim by the pickup deadline (the desk is told).
     */
    reason: z.enum(['no_agents', 'closed', 'intake_abandoned', 'failed', 'withdrawn']),
    /** Why the intake was abandoned (reason `intake_abandoned`). */
    abandoned: z.optional(z.enum(['cancelled', 'too_many_invalid', 'timeout'])),
    stage: z.optional(z.string()),
    /** The handover's skill (reasons `withdrawn` and `failed`: the desk to tell). */
    skill: z.optional(z.string()),
  }),
);

/**
 * hand-over / agent-api (claim): the agent holds the conversation (no consumer on the bus); `claimed` when a desk
 * live on its claim claimed it (after hand-over told the bot the desk accepted).
 */
export const SessionStarted = defineEvent(
  'SessionStarted',
  1,
  z.object({ ...handoverRef, claimed: z.optional(z.boolean()) }),
);

/**
 * (a pending handover's waiting notice, or the desk's queue report) → the conveyor tells the user
 * they are waiting, and where they stand when the desk said. No consumer on the bus.
 */
export const HandoverWaiting = defineEvent(
  'HandoverWaiting',
  1,
  z.object({ ...handoverRef, position: z.optional(z.number()) }),
);

/**
 * (agent-api) → relay (the old desk is told): the agent passed the live chat to another skill's desk
 * (`toHandoverId`, asked through IntakeCompleted); the old desk's session is over, the user is told.
 */
export const HandoverTransferred = defineEvent(
  'HandoverTransferred',
  1,
  z.object({
    ...handoverRef,
    toHandoverId: nonEmptyString(),
    /** The skill the chat had (the desk to tell it ended), and the skill it goes to. */
    fromSkill: z.optional(z.string()),
    skill: z.optional(z.string()),
  }),
);

/**
 * agent-api → the conveyor, in the write that slides the lock: an agent's message, or its sign-off
 * (a confirm button), for the user, delivered from that write's record in order with the notices
 * around it. Never put on the bus (it carries the text).
 */
export const AgentMessaged = defineEvent(
  'AgentMessaged',
  1,
  z.object({
    ...handoverRef,
    messageId: nonEmptyString(),
    /** Empty when `rich` has a file that says it all. */
    text: z.string(),
    signOff: z.boolean(),
    rich: z.optional(richContentSchema),
  }),
);
