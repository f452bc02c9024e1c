/**
 * The local EventBridge: delivers each published event to the consumers the topology's rules name,
 * asynchronously and at least once, retrying failures with backoff; what still fails is kept in a
 * dead-letter list and logged, as the SQS DLQs are in AWS.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE, type OutgoingEvent } from '../../shared/events/define';
import type { EventPublisher } from '../../shared/events/publisher';
import { errorFields, type Logger } from '../../shared/log/logger';
import { eventRules } from '../topology';
import type { Invoke } from './lambda-invoker';

export interface DeadLetter {
  functionName: string;
  detailType: string;
  eventId: string;
  error: string;
  attempts: number;
}

export interface LocalEventBusOptions {
  /** Delays before each retry; EventBridge retries far longer, locally a few quick tries show the behaviour. */
  retryDelaysMs?: readonly number[];
  logger: Logger;
}

/** How many of the latest events the bus keeps for inspection (the soak publishes tens of thousands). */
const KEPT_EVENTS = 5_000;

export class LocalEventBus implements EventPublisher {
  readonly deadLetters: DeadLetter[] = [];
  /** The latest events as they went on the bus (EventBridge's archive, locally): what anyone on the bus sees. */
  private readonly recent: OutgoingEvent[] = [];
  /** Events published so far, the first kept in `recent` being number `published - recent.length`. */
  published = 0;
  /** Deliveries started so far (for a settle that must know whether anything happened). */
  delivered = 0;
  private readonly pending = new Set<Promise<void>>();
  private consumers = new Map<string, Invoke>();
  private stopped = false;

  constructor(private readonly options: LocalEventBusOptions) {}

  connect(consumers: Map<string, Invoke>): void {
    this.consumers = consumers;
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (const event of events) {
      this.recent.push(structuredClone(event));
      this.published += 1;
      if (this.recent.length > KEPT_EVENTS) this.recent.shift();
      const matching = eventRules().filter(({ rule }) => rule.detailType === event.detailType);
      const busEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: EVENT_SOURCE,
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'local',
        resources: [],
        // A copy, as the wire would make: no consumer can change what another one receives.
        detail: structuredClone(event.detail),
      };
      this.options.logger.info(`event ${event.detailType}`, {
        correlationId: event.detail.metadata.correlationId,
        consumers: matching.map(({ fn }) => fn.name).join(',') || 'none',
      });
      for (const { fn } of matching) {
        const invoke = this.consumers.get(fn.name);
        if (!invoke) throw new Error(`no local function ${fn.name}`);
        this.track(this.deliver(fn.name, invoke, busEvent, event));
      }
    }
  }

  /** The events published since the count `from` (as `published` read then), as far as they are kept. */
  since(from: number): OutgoingEvent[] {
    const first = this.published - this.recent.length;
    if (from < first) throw new Error(`events since ${from} are no longer kept (the first kept is ${first})`);
    return this.recent.slice(from - first);
  }

  /** Resolves when every delivery under way, and every one those caused, has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private track(delivery: Promise<void>): void {
    this.delivered += 1;
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  private async deliver(
    functionName: string,
    invoke: Invoke,
    busEvent: unknown,
    event: OutgoingEvent,
  ): Promise<void> {
    // Asynchronous, as EventBridge is: the publisher never waits for consumers.
    await new Promise((resolve) => setImmediate(resolve));
    const delays = this.options.retryDelaysMs ?? [100, 400, 1_600];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await invoke(busEvent);
        return;
      } catch (error) {
        const delay = delays[attempt - 1];
        if (delay === undefined || this.stopped) {
          const letter = {
            functionName,
            detailType: event.detailType,
            eventId: event.detail.metadata.id,
            error: errorFields(error).errorMessage?.toString() ?? 'unknown',
            attempts: attempt,
          };
          this.deadLetters.push(letter);
          this.options.logger.error(`dead letter: ${functionName} gave up on ${event.detailType}`, {
            correlationId: event.detail.metadata.correlationId,
            attempts: attempt,
            ...errorFields(error),
          });
          return;
        }
        this.options.logger.warn(`${functionName} failed on ${event.detailType}, retrying`, {
          correlationId: event.detail.metadata.correlationId,
          attempt,
          ...errorFields(error),
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
