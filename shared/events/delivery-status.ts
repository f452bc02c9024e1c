/**
 * ingest → relay: what WhatsApp reported of an agent's message (sent, delivered, read, failed), for
 * the desk that wrote it. Meta echoes the `biz_opaque_callback_data` Baton sent with the message:
 * `baton:agent:<handover id>:<message id>`. The event names the conversation and the message by
 * keyed references only (a WhatsApp conversation id holds the user's number); the relay finds them
 * again in the conversation (its handover keeps the last agent message ids).
 */
import * as z from 'zod/mini';
import { conversationRef, idRef } from '../log/logger';
import { nonEmptyString } from '../validation/zod';
import { conversationEventMetadata, createEvent, defineEvent, type OutgoingEvent } from './define';
import { conversationByRefSchema } from './shapes';

export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryStatusReported = defineEvent(
  'DeliveryStatusReported',
  1,
  z.object({
    ...conversationByRefSchema.shape,
    handoverId: nonEmptyString(),
    messageRef: nonEmptyString(),
    status: z.enum(DELIVERY_STATUSES),
    /** When WhatsApp says it happened (epoch ms). */
    at: z.number(),
    /** A failure: WhatsApp's error code and title (no user data). */
    error: z.optional(z.object({ code: z.number(), title: z.string().check(z.maxLength(256)) })),
  }),
);

const TRACKING_PREFIX = 'baton:agent:';

/**
 * What Baton sends with an agent's message so its statuses find their way back (each part
 * URI-encoded: handover and message ids may hold colons; at most 512 characters, as Meta takes).
 */
export const agentTracking = (handoverId: string, messageId: string): string =>
  `${TRACKING_PREFIX}${encodeURIComponent(handoverId)}:${encodeURIComponent(messageId)}`;

/** The handover and message an echoed tracking string names; undefined for anything else. */
export function fromTracking(
  data: string | undefined,
): { handoverId: string; messageId: string } | undefined {
  if (!data?.startsWith(TRACKING_PREFIX)) return undefined;
  const [handoverId = '', messageId = '', ...more] = data.slice(TRACKING_PREFIX.length).split(':');
  if (!handoverId || !messageId || more.length > 0) return undefined;
  try {
    return { handoverId: decodeURIComponent(handoverId), messageId: decodeURIComponent(messageId) };
  } catch {
    return undefined;
  }
}

export function deliveryStatusReported(
  ref: { tenantId: string; conversationId: string },
  report: {
    handoverId: string;
    messageId: string;
    /** WhatsApp's own message id: one event per message and status. */
    channelMessageId: string;
    status: DeliveryStatus;
    at: number;
    error?: { code: number; title: string } | undefined;
  },
  now: number,
): OutgoingEvent {
  const { handoverId, status, at, error } = report;
  const messageRef = idRef(report.messageId);
  return createEvent(
    DeliveryStatusReported,
    conversationEventMetadata(
      `status:${idRef(report.channelMessageId)}:${status}`,
      ref.tenantId,
      ref.conversationId,
      now,
    ),
    {
      tenantId: ref.tenantId,
      conversationRef: conversationRef(ref.tenantId, ref.conversationId),
      handoverId,
      messageRef,
      status,
      at,
      ...(error ? { error } : {}),
    },
  );
}
