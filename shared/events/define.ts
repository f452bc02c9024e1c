/**
 * An event contract: detail-type, version and the zod schema of its detail, shared by the producer
 * and every consumer. The detail is `{ metadata, data }`; metadata.id is deterministic (derived from
 * what caused the event) so consumers can drop redeliveries by it.
 */
import * as z from 'zod/mini';
import { conversationRef } from '../log/logger';
import { intBetween, nonEmptyString, parse } from '../validation/zod';

export const EVENT_SOURCE = 'baton';

export const metadataSchema = z.object({
  id: nonEmptyString(),
  version: intBetween(1, Number.MAX_SAFE_INTEGER),
  time: z.string(),
  tenantId: z.string(),
  /** Correlates every log line and event of one conversation without naming it (no personal data). */
  correlationId: z.string(),
});
export type EventMetadata = z.infer<typeof metadataSchema>;

/** `Data` is any zod schema (mini or classic): contracts are parsed with the functional `parse`. */
export interface EventContract<DetailType extends string, Data extends z.core.$ZodType> {
  detailType: DetailType;
  version: number;
  data: Data;
}

export function defineEvent<DetailType extends string, Data extends z.core.$ZodType>(
  detailType: DetailType,
  version: number,
  data: Data,
): EventContract<DetailType, Data> {
  return { detailType, version, data };
}

/** An event ready to publish. */
export interface OutgoingEvent {
  detailType: string;
  detail: { metadata: EventMetadata; data: unknown };
}

export function createEvent<DetailType extends string, Data extends z.core.$ZodType>(
  contract: EventContract<DetailType, Data>,
  metadata: Omit<EventMetadata, 'version'>,
  data: z.input<Data>,
): OutgoingEvent {
  // Parse on the way out too: a producer bug fails here, not in every consumer.
  return {
    detailType: contract.detailType,
    detail: { metadata: { ...metadata, version: contract.version }, data: parse(contract.data, data) },
  };
}

/** Metadata for an event about one conversation; `id` names the cause, so a retry publishes the same id. */
export function conversationEventMetadata(
  id: string,
  tenantId: string,
  conversationId: string,
  now: number,
): Omit<EventMetadata, 'version'> {
  return {
    id,
    time: new Date(now).toISOString(),
    tenantId,
    correlationId: conversationRef(tenantId, conversationId),
  };
}
