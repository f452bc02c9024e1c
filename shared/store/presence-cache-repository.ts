/**
 * (check-presence) → a presence answer shared by every Lambda container of a tenant, and a
 * per-second call budget, so a burst of handovers asks the presence API a bounded number of times.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { AgentStatus } from '../domain/conversation';
import { presenceCacheKey, presenceRateKey, TTL_ATTRIBUTE } from './keys';

export interface PresenceCacheStore {
  /** The shared answer for this channel and referrer, if still fresh at `now`. */
  read(tenantId: string, channel: string, referrer: string, now: number): Promise<AgentStatus | undefined>;
  write(
    tenantId: string,
    channel: string,
    referrer: string,
    status: AgentStatus,
    until: number,
  ): Promise<void>;
  /**
   * Takes one call of this second's budget: the slot's position in the second (0, 1, ...), or
   * undefined when the budget is spent.
   */
  takeCallSlot(tenantId: string, now: number, maxPerSecond: number): Promise<number | undefined>;
}

export class DynamoPresenceCacheStore implements PresenceCacheStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(
    tenantId: string,
    channel: string,
    referrer: string,
    now: number,
  ): Promise<AgentStatus | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: presenceCacheKey(tenantId, channel, referrer),
        ConsistentRead: true,
      }),
    );
    const status: unknown = Item?.status;
    const until: unknown = Item?.until;
    if (typeof until !== 'number' || until <= now) return undefined;
    return status === 'online' || status === 'offline' ? status : undefined;
  }

  async write(
    tenantId: string,
    channel: string,
    referrer: string,
    status: AgentStatus,
    until: number,
  ): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...presenceCacheKey(tenantId, channel, referrer),
          status,
          until,
          [TTL_ATTRIBUTE]: toEpochSeconds(until) + 60,
        },
      }),
    );
  }

  async takeCallSlot(tenantId: string, now: number, maxPerSecond: number): Promise<number | undefined> {
    const second = toEpochSeconds(now);
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: presenceRateKey(tenantId, second),
          UpdateExpression: 'ADD calls :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(calls) OR calls < :max',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':max': maxPerSecond, ':ttl': second + 60 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const calls: unknown = Attributes?.calls;
      return typeof calls === 'number' ? calls - 1 : 0;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
