/**
 * The local event source mapping: reads DynamoDB Local's stream of the table and invokes the stream
 * function as Lambda does. Records of one partition key stay in order, in one of
 * `parallelizationFactor` lanes (a slow conversation holds only its lane); a lane sends up to
 * `batchSize` records at a time. A batch that throws is retried, halved each time (bisect); one that
 * names a failed record (ReportBatchItemFailures) is retried from that record; what still fails after
 * `maxRetryAttempts` is logged and kept as an on-failure record (the SQS destination in AWS).
 *
 * Polling: at once after a write the stack's client made (`wake`), then backing off to a slow beat.
 */
import { createHash } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { errorFields, type Logger } from '../../shared/log/logger';
import type { StreamTrigger } from '../topology';
import type { Invoke } from './lambda-invoker';

export interface OnFailureRecord {
  functionName: string;
  /** The first and last sequence numbers of the records given up on (what the SQS message names). */
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  records: number;
  error: string;
}

export interface StreamPollerOptions {
  /** DynamoDB Local's address. The poller has clients of its own: its requests are not the functions'. */
  endpoint: string;
  tableName: string;
  functionName: string;
  trigger: StreamTrigger;
  invoke: Invoke;
  logger: Logger;
  /** Where reading starts on the shards there are at start: a fresh table from its beginning, a kept one from now. */
  startAt: 'TRIM_HORIZON' | 'LATEST';
  /** Waits between retries of a failing batch (AWS retries at once; locally a short wait shows the behaviour). */
  retryDelayMs?: number;
}

/** Lambda's stream event record, as the function receives it. */
interface LambdaStreamRecord {
  eventID: string | undefined;
  eventName: string | undefined;
  eventSource: 'aws:dynamodb';
  awsRegion: 'local';
  eventSourceARN: string;
  dynamodb: Record<string, unknown>;
}

const FAST_POLL_MS = [0, 5, 10, 20, 40, 80];
const SETTLE_TIMEOUT_MS = 15_000;
const IDLE_POLL_MS = 250;
/** Written to settle the poller: its record, read back, proves every write before it was read. */
const SENTINEL = { pk: 'LOCAL#STREAM', sk: 'SENTINEL' };

export class LocalStreamPoller {
  readonly failures: OnFailureRecord[] = [];
  private readonly streams: StreamsApi;
  private readonly client: DynamoDBClient;
  private readonly lanes: Lane[];
  private readonly iterators = new Map<string, string>();
  private readonly finished = new Set<string>();
  /** The last sequence number read on each shard, to go on from when an iterator is lost. */
  private readonly lastRead = new Map<string, string>();
  private streamArn = '';
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private sentinelSeen = 0;
  private sentinelWritten = 0;
  /** Records handed to the lanes so far. */
  private pushed = 0;

  constructor(private readonly options: StreamPollerOptions) {
    const local = {
      region: 'local',
      endpoint: options.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    this.streams = new StreamsApi(options.endpoint);
    this.client = new DynamoDBClient(local);
    this.lanes = Array.from(
      { length: options.trigger.parallelizationFactor },
      () => new Lane(options, this.failures),
    );
  }

  async start(): Promise<void> {
    const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    this.streamArn = Table.LatestStreamArn;
    await this.discoverShards(this.options.startAt);
    this.loop = this.run();
  }

  /** A write was made: poll now rather than at the next beat. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Resolves once every record written before the call has been read and every lane has finished
   * with what it was given (the records its invocations wrote included: it goes round until a
   * round reads nothing new). Says whether it had anything to do.
   */
  async idle(): Promise<boolean> {
    let worked = false;
    for (;;) {
      // Whatever the lanes write happens before the sentinel, so its record is read before it.
      await Promise.all(this.lanes.map((lane) => lane.idle()));
      const pushed = this.pushed;
      const target = ++this.sentinelWritten;
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: { pk: { S: SENTINEL.pk }, sk: { S: SENTINEL.sk }, n: { N: String(target) } },
        }),
      );
      this.wake();
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      while (this.sentinelSeen < target && !this.stopped) {
        if (Date.now() > deadline)
          throw new Error(`the table stream did not deliver a write within ${SETTLE_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await Promise.all(this.lanes.map((lane) => lane.idle()));
      if (this.pushed === pushed || this.stopped) return worked;
      worked = true;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await Promise.all(this.lanes.map((lane) => lane.idle()));
    this.client.destroy();
  }

  private async run(): Promise<void> {
    let quiet = 0;
    while (!this.stopped) {
      let read = 0;
      try {
        read = await this.pollOnce();
      } catch (error) {
        this.options.logger.error('reading the table stream failed', errorFields(error));
      }
      if (read > 0 || this.woken) {
        this.woken = false;
        quiet = 0;
      } else {
        quiet += 1;
      }
      const wait = FAST_POLL_MS[quiet] ?? IDLE_POLL_MS;
      if (wait > 0) await this.sleep(wait);
    }
  }

  private async pollOnce(): Promise<number> {
    let read = 0;
    for (const [shardId, iterator] of [...this.iterators]) {
      let page: RecordsPage;
      try {
        page = await this.streams.getRecords(iterator);
      } catch (error) {
        // DynamoDB Local invalidates every stream's iterators when any table is deleted (a test's
        // reset): go on right after the last record read.
        if (!(error instanceof LostIteratorError)) throw error;
        await this.reopen(shardId);
        continue;
      }
      for (const record of page.Records ?? []) {
        read += 1;
        this.lastRead.set(shardId, record.dynamodb.SequenceNumber);
        this.route(record);
      }
      if (page.NextShardIterator) {
        this.iterators.set(shardId, page.NextShardIterator);
      } else {
        // The shard is closed and read to its end: its children go on from their beginning.
        this.iterators.delete(shardId);
        this.finished.add(shardId);
        await this.discoverShards('TRIM_HORIZON');
      }
    }
    return read;
  }

  private route(record: WireRecord): void {
    const keys = record.dynamodb.Keys;
    const pk = keys.pk?.S ?? '';
    if (pk === SENTINEL.pk) {
      const seen = Number(sentinelSchema.safeParse(record.dynamodb.NewImage).data?.n.N ?? 0);
      this.sentinelSeen = Math.max(this.sentinelSeen, seen);
      return;
    }
    // The mapping's filter: the items the trigger names, changed or created (no deletes).
    if (keys.sk?.S !== this.options.trigger.sortKey) return;
    if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return;
    const lane = createHash('sha256').update(pk).digest()[0] ?? 0;
    this.pushed += 1;
    this.lanes[lane % this.lanes.length]?.push(this.lambdaRecord(record));
  }

  private lambdaRecord(record: WireRecord): LambdaStreamRecord {
    const { NewImage, OldImage, ...rest } = record.dynamodb;
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: this.streamArn,
      dynamodb: {
        ...rest,
        ...(NewImage ? { NewImage: asWire(NewImage) } : {}),
        ...(OldImage ? { OldImage: asWire(OldImage) } : {}),
      },
    };
  }

  private async reopen(shardId: string): Promise<void> {
    const last = this.lastRead.get(shardId);
    const iterator = await this.streams.shardIterator(
      this.streamArn,
      shardId,
      last ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last } : { type: 'TRIM_HORIZON' },
    );
    if (iterator) this.iterators.set(shardId, iterator);
  }

  /** Opens an iterator on every shard not yet read whose parent is done (so order per key holds). */
  private async discoverShards(position: 'TRIM_HORIZON' | 'LATEST'): Promise<void> {
    const shards = await this.streams.shards(this.streamArn);
    const known = new Set(shards.map((shard) => shard.ShardId));
    for (const shard of shards) {
      const id = shard.ShardId;
      if (this.iterators.has(id) || this.finished.has(id)) continue;
      const parent = shard.ParentShardId;
      if (parent && known.has(parent) && !this.finished.has(parent)) continue;
      const iterator = await this.streams.shardIterator(this.streamArn, id, { type: position });
      if (iterator) this.iterators.set(id, iterator);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }
}

/** One lane of a shard: its records in order, one batch at a time. */
class Lane {
  private readonly queue: LambdaStreamRecord[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: StreamPollerOptions,
    private readonly failures: OnFailureRecord[],
  ) {}

  push(record: LambdaStreamRecord): void {
    this.queue.push(record);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.trigger.batchSize);
      await this.deliver(batch, 0);
    }
  }

  /** One batch until it succeeds or runs out of retries; `retries`: how many it has used. */
  private async deliver(batch: LambdaStreamRecord[], retries: number): Promise<void> {
    let failedFrom: number;
    let error = 'reported a failed record';
    try {
      const answer = await this.options.invoke({ Records: batch });
      const failed = reportedFailures(answer);
      if (failed.length === 0) return;
      // Lambda goes on from the earliest record named.
      const named = batch.findIndex((record) => failed.includes(String(record.dynamodb.SequenceNumber)));
      failedFrom = Math.max(0, named);
    } catch (thrown) {
      error = errorFields(thrown).errorMessage?.toString() ?? 'unknown';
      failedFrom = -1;
    }
    const rest = failedFrom >= 0 ? batch.slice(failedFrom) : batch;
    const { logger, functionName, trigger } = this.options;
    if (retries >= trigger.maxRetryAttempts) {
      const failure = {
        functionName,
        firstSequenceNumber: String(rest[0]?.dynamodb.SequenceNumber ?? ''),
        lastSequenceNumber: String(rest.at(-1)?.dynamodb.SequenceNumber ?? ''),
        records: rest.length,
        error,
      };
      this.failures.push(failure);
      logger.error(`stream records given up: ${functionName}`, { records: rest.length, error });
      return;
    }
    logger.warn(`${functionName} failed on a stream batch, retrying`, { records: rest.length, retries });
    await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 100));
    // A thrown batch is halved (bisect); a reported record is retried from there on.
    if (failedFrom < 0 && rest.length > 1) {
      const half = Math.ceil(rest.length / 2);
      await this.deliver(rest.slice(0, half), retries + 1);
      await this.deliver(rest.slice(half), retries + 1);
      return;
    }
    await this.deliver(rest, retries + 1);
  }
}

/**
 * DynamoDB Local's Streams API over plain HTTP and JSON: its answers are already the wire form
 * Lambda's event carries, which the SDK's client would deserialize value by value and the poller
 * turn back again (that cost more CPU than the functions it feeds, in the soak). DynamoDB Local
 * checks no signature.
 */
class StreamsApi {
  constructor(private readonly endpoint: string) {}

  async shards(streamArn: string): Promise<Array<z.infer<typeof shardSchema>>> {
    const shards: Array<z.infer<typeof shardSchema>> = [];
    let start: string | undefined;
    do {
      const page = describeSchema.parse(
        await this.call('DescribeStream', { StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(page.StreamDescription.Shards ?? []));
      start = page.StreamDescription.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  async shardIterator(
    streamArn: string,
    shardId: string,
    at: { type: 'TRIM_HORIZON' | 'LATEST' } | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string },
  ): Promise<string | undefined> {
    const answer = await this.call('GetShardIterator', {
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: at.type,
      ...('sequenceNumber' in at ? { SequenceNumber: at.sequenceNumber } : {}),
    });
    return iteratorSchema.parse(answer).ShardIterator;
  }

  async getRecords(iterator: string): Promise<RecordsPage> {
    return recordsSchema.parse(await this.call('GetRecords', { ShardIterator: iterator, Limit: 1000 }));
  }

  private async call(operation: string, body: unknown): Promise<unknown> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const answer: unknown = await response.json();
    if (response.ok) return answer;
    const type = errorSchema.safeParse(answer).data?.__type ?? '';
    if (/TrimmedDataAccess|ExpiredIterator/.test(type)) throw new LostIteratorError(type);
    throw new Error(`DynamoDB Local ${operation} answered ${response.status} ${type}`);
  }
}

class LostIteratorError extends Error {
  override readonly name = 'LostIteratorError';
}

const shardSchema = z.object({ ShardId: z.string(), ParentShardId: z.string().optional() });
const describeSchema = z.object({
  StreamDescription: z.object({
    Shards: z.array(shardSchema).optional(),
    LastEvaluatedShardId: z.string().optional(),
  }),
});
const iteratorSchema = z.object({ ShardIterator: z.string().optional() });
const imageSchema = z.record(z.string(), z.unknown());
/** Shallow: the images go on as they are (the function parses them). */
const recordsSchema = z.object({
  Records: z
    .array(
      z.object({
        eventID: z.string().optional(),
        eventName: z.string().optional(),
        dynamodb: z.looseObject({
          Keys: z.record(z.string(), z.looseObject({ S: z.string().optional() })),
          SequenceNumber: z.string(),
          NewImage: imageSchema.optional(),
          OldImage: imageSchema.optional(),
        }),
      }),
    )
    .optional(),
  NextShardIterator: z.string().nullish(),
});
type RecordsPage = z.infer<typeof recordsSchema>;
type WireRecord = NonNullable<RecordsPage['Records']>[number];
const errorSchema = z.object({ __type: z.string() });
const sentinelSchema = z.object({ n: z.object({ N: z.string() }) });

/**
 * An image as Lambda's event carries it. DynamoDB Local writes an empty map as `{}` (the service:
 * `{"M": {}}`), the only attribute value with no type: it is put back.
 */
function asWire(image: Record<string, unknown>): Record<string, unknown> {
  const value = (attribute: unknown): unknown => {
    if (typeof attribute !== 'object' || attribute === null) return attribute;
    if (Object.keys(attribute).length === 0) return { M: {} };
    if ('M' in attribute && typeof attribute.M === 'object' && attribute.M !== null)
      return { M: asWire({ ...attribute.M }) };
    if ('L' in attribute && Array.isArray(attribute.L)) return { L: attribute.L.map(value) };
    return attribute;
  };
  return Object.fromEntries(Object.entries(image).map(([name, attribute]) => [name, value(attribute)]));
}

/** The sequence numbers a ReportBatchItemFailures answer names. */
function reportedFailures(answer: unknown): string[] {
  if (typeof answer !== 'object' || answer === null || !('batchItemFailures' in answer)) return [];
  const failures = answer.batchItemFailures;
  if (!Array.isArray(failures)) return [];
  return failures.flatMap((failure: unknown) =>
    typeof failure === 'object' && failure !== null && 'itemIdentifier' in failure
      ? [String(failure.itemIdentifier)]
      : [],
  );
}
