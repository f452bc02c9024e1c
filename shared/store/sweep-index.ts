/**
 * (expire-sessions) → SweepIndex → DynamoDB: the conversations the sparse expiry index says are due.
 * Apart from ConversationStore so only the sweep bundles the query.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConversationRef } from '../ports/conversation-store';
import type { SweepIndex } from '../ports/sweep-index';
import { allSweepShards, EXPIRY_INDEX } from './keys';

export class DynamoSweepIndex implements SweepIndex {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findDueForSweep(now: number, limit: number): Promise<ConversationRef[]> {
    const found: ConversationRef[] = [];
    for (const shard of allSweepShards()) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: EXPIRY_INDEX,
            KeyConditionExpression: 'sweepShard = :shard AND lockExpiresAt <= :now',
            ExpressionAttributeValues: { ':shard': shard, ':now': now },
            Limit: limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const { tenantId, conversationId } = item;
          if (typeof tenantId === 'string' && typeof conversationId === 'string') {
            found.push({ tenantId, conversationId });
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < limit);
      if (found.length >= limit) break;
    }
    return found;
  }
}
