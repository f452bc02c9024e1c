/** ingest → (owner's consumer): a user message and the owner it was routed to at arrival. */
import * as z from 'zod';
import { defineEvent } from './define';
import { conversationRefSchema, userMessageSchema } from './shapes';

export const ROUTES = ['bot', 'intake', 'agent'] as const;
export type Route = (typeof ROUTES)[number];

export const MessageRouted = defineEvent(
  'MessageRouted',
  1,
  conversationRefSchema.extend({ route: z.enum(ROUTES), message: userMessageSchema }),
);
