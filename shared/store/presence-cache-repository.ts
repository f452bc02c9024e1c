/**
 * (check-presence) → a presence answer shared by every Lambda container of a tenant, and the
 * tenant's queue of presence calls, so a burst of handovers asks the presence API a bounded number
 * of times in any second.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { AgentStatus } from '../domain/conversation';
import type { PresenceCacheStore, SharedPresence } from '../ports/presence-cache-store';
import { presenceBudgetKey, presenceCacheKey, TTL_ATTRIBUTE } from './keys';

export class DynamoPresenceCacheStore implements PresenceCacheStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(tenantId: string, channel: string, referrer: string): Promise<SharedPresence | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: presenceCacheKey(tenantId, channel, referrer),
        ConsistentRead: true,
      }),
    );
    const status: unknown = Item?.status;
    const until: unknown = Item?.until;
    if (typeof until !== 'number' || (status !== 'online' && status !== 'offline')) return undefined;
    return { status, until };
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

  async reserveCall(
    tenantId: string,
    now: number,
    spacingMs: number,
    latest: number,
  ): Promise<number | undefined> {
    const base = {
      TableName: this.tableName,
      Key: presenceBudgetKey(tenantId),
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
    };
    const ttl = toEpochSeconds(latest) + 60;
    // Two tries: a queue that empties between the two requests is taken on the second.
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      try {
        // Nobody queued: this call starts now.
        await this.doc.send(
          new UpdateCommand({
            ...base,
            UpdateExpression: 'SET nextAt = :next, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt <= :now',
            ExpressionAttributeValues: { ':next': now + spacingMs, ':now': now, ':ttl': ttl },
          }),
        );
        return now;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      try {
        // Behind the last call reserved, unless that already reaches past `latest`.
        const { Attributes } = await this.doc.send(
          new UpdateCommand({
            ...base,
            UpdateExpression: 'SET nextAt = nextAt + :spacing, #ttl = :ttl',
            ConditionExpression: 'nextAt > :now AND nextAt <= :latest',
            ExpressionAttributeValues: { ':spacing': spacingMs, ':now': now, ':latest': latest, ':ttl': ttl },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const next: unknown = Attributes?.nextAt;
        return typeof next === 'number' ? next - spacingMs : undefined;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The queue is full, or it emptied since the first request: then the next try starts now.
        const queued = error.Item?.nextAt;
        if (queued && 'N' in queued && Number(queued.N) > latest) return undefined;
      }
    }
    return undefined;
  }
}
