/**
 * (DynamoDB Streams) → conveyor: the records of conversation items, in order per conversation. The
 * answer names the first record to give again (Lambda's ReportBatchItemFailures), if any.
 */
import middy from '@middy/core';
import { errorFields } from '../../shared/log/logger';
import { type ConveyorPorts, conveyBatch } from './convey';
import { parseStreamEvent } from './stream-event';

export interface StreamBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export function createHandler(rt: ConveyorPorts) {
  return middy<unknown, StreamBatchResponse>().handler(async (event) => {
    let records: ReturnType<typeof parseStreamEvent>['Records'];
    try {
      records = parseStreamEvent(event).Records;
    } catch (error) {
      // Not a stream batch at all: a wiring bug. Thrown, so the mapping retries, bisects, then parks it.
      rt.logger.error('not a DynamoDB stream batch', errorFields(error));
      throw error;
    }
    const conveyed = await conveyBatch(rt, records);
    rt.logger.debug('stream batch', { records: records.length, ...conveyed });
    return { batchItemFailures: conveyed.failedAt ? [{ itemIdentifier: conveyed.failedAt }] : [] };
  });
}
