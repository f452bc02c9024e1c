import type { OutgoingEvent } from './define';

/** Where events go: EventBridge in AWS, the in-process bus locally. */
export interface EventPublisher {
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

export class PublishError extends Error {
  override readonly name = 'PublishError';

  constructor(
    message: string,
    readonly failed: ReadonlyArray<{ detailType: string; id: string; errorCode?: string | undefined }>,
  ) {
    super(message);
  }
}
