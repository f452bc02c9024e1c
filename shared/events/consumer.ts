/** (EventBridge rule) → event handler: the detail parsed by its contract, then the use case. */
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { errorFields, idRef, type Logger } from '../log/logger';
import { safeParse } from '../validation/zod';
import { type EventContract, type EventMetadata, metadataSchema } from './define';

const envelopeSchema = z.object({ metadata: metadataSchema, data: z.unknown() });

export interface EventConsumer {
  detailType: string;
  handle(detail: unknown, logger: Logger): Promise<void>;
}

export function on<DetailType extends string, Data extends z.core.$ZodType>(
  contract: EventContract<DetailType, Data>,
  handle: (data: z.output<Data>, metadata: EventMetadata, logger: Logger) => Promise<void>,
): EventConsumer {
  return {
    detailType: contract.detailType,
    async handle(detail, logger) {
      const envelope = envelopeSchema.safeParse(detail);
      const data = envelope.success ? safeParse(contract.data, envelope.data.data) : undefined;
      if (!envelope.success || !data?.success) {
        // Our own bus carried a detail its contract rejects: a bug. Thrown, so it ends in the DLQ.
        const issue = envelope.error?.issues[0] ?? data?.error?.issues[0];
        throw new MalformedEventError(contract.detailType, issue?.path.map(String).join('.') ?? '');
      }
      const { metadata } = envelope.data;
      return handle(
        data.data,
        metadata,
        logger.child({ correlationId: metadata.correlationId, eventRef: idRef(metadata.id) }),
      );
    },
  };
}

export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';

  constructor(detailType: string, field: string) {
    super(`${detailType} detail does not match its contract at '${field}'`);
  }
}

export class UnhandledEventError extends Error {
  override readonly name = 'UnhandledEventError';
}

export function createEventHandler(logger: Logger, consumers: readonly EventConsumer[]) {
  const byType = new Map(consumers.map((consumer) => [consumer.detailType, consumer]));
  return async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
    const consumer = byType.get(event['detail-type']);
    if (!consumer) throw new UnhandledEventError(`no consumer for ${event['detail-type']}`);
    try {
      await consumer.handle(event.detail, logger.child({ detailType: event['detail-type'] }));
    } catch (error) {
      // Rethrown: EventBridge / Lambda retry it, then the dead-letter queue keeps it.
      logger.error('event handling failed', { detailType: event['detail-type'], ...errorFields(error) });
      throw error;
    }
  };
}
