/** (agent end, user end, expiry sweep) → the bot is told the live chat is over and owns the conversation again. */
import * as z from 'zod';
import { defineEvent } from './define';
import { conversationRefSchema } from './shapes';

export const SessionEnded = defineEvent(
  'SessionEnded',
  1,
  conversationRefSchema.extend({
    handoverId: z.string().min(1),
    reason: z.enum(['agent', 'user', 'expired']),
  }),
);
