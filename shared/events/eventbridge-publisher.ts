/** EventPublisher → EventBridge PutEvents, in batches of at most 10 entries (the API's limit). */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type OutgoingEvent } from './define';
import { type EventPublisher, PublishError } from './publisher';

export const PUT_EVENTS_BATCH = 10;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      const batch = events.slice(start, start + PUT_EVENTS_BATCH);
      const entries: PutEventsRequestEntry[] = batch.map((event) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      }));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if ((result.FailedEntryCount ?? 0) > 0) {
        // Entries are answered in order; a partial failure is thrown whole so the caller retries,
        // and consumers drop the entries that did get through by their metadata id.
        const failed = batch.flatMap((event, index) => {
          const entry = result.Entries?.[index];
          return entry?.ErrorCode
            ? [{ detailType: event.detailType, id: event.detail.metadata.id, errorCode: entry.ErrorCode }]
            : [];
        });
        throw new PublishError(
          `PutEvents rejected ${result.FailedEntryCount} of ${batch.length} entries`,
          failed,
        );
      }
    }
  }
}
