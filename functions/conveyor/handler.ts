/**
 * (DynamoDB Streams) → conveyor: the records of conversation items, in order per conversation. The
 * answer names the first record to give again (Lambda's ReportBatchItemFailures), if any.
 */
import { errorFields } from '../../shared/log/logger';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { type ConveyorPorts, conveyBatch } from './convey';
import { decodeRecords, parseStreamEvent } from './stream-event';

export interface StreamBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export function createHandler(rt: Scoped<ConveyorPorts>) {
  return async (event: unknown): Promise<StreamBatchResponse> => {
    let records: ReturnType<typeof parseStreamEvent>['Records'];
    try {
      records = parseStreamEvent(event).Records;
    } catch (error) {
      // Not a stream batch at all: a wiring bug. Thrown, so the mapping retries, bisects, then parks it.
      rt.logger.error('not a DynamoDB stream batch', errorFields(error));
      throw error;
    }
    const decoded = decodeRecords(records, (error) =>
      // An image Baton cannot read: the stream gives it again (then bisects, then parks it).
      rt.logger.error('stream record unreadable; it is given again', errorFields(error)),
    );
    const conveyed = await conveyBatch(rt, decoded.records);
    rt.logger.debug('stream batch', { records: records.length, ...conveyed });
    // Whichever comes first: every record decoded lies before the one that was not.
    const failedAt = conveyed.failedAt ?? decoded.undecodable;
    return { batchItemFailures: failedAt ? [{ itemIdentifier: failedAt }] : [] };
  };
}
