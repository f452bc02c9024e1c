/** (agent end, user end, expiry sweep, an operator) → the bot is told the live chat is over and owns the conversation again. */
import * as z from 'zod/mini';
import { nonEmptyString } from '../validation/zod';
import { defineEvent } from './define';
import { conversationByRefSchema } from './shapes';

export const SessionEnded = defineEvent(
  'SessionEnded',
  1,
  z.object({
    ...conversationByRefSchema.shape,
    handoverId: nonEmptyString(),
    reason: z.enum(['agent', 'user', 'expired', 'operator']),
    agentStatus: z.optional(z.enum(['online', 'offline'])),
    /** The agent left a summary or variables for the bot: the conversation's `lastRelease` holds them. */
    released: z.optional(z.boolean()),
    /** The handover's skill: which of the tenant's desks had the session. */
    skill: z.optional(z.string()),
  }),
);
