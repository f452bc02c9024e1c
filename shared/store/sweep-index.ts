/**
 * (expire-sessions) → SweepIndex → DynamoDB: the conversations the sparse expiry index says are due,
 * and the sweep's own writes (re-filing, nudging). Apart from ConversationStore so only the sweep
 * bundles them.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Conversation } from '../domain/conversation';
import { sweepDueAt } from '../domain/sweep';
import type { ConversationRef } from '../ports/conversation-store';
import type { SweepIndex } from '../ports/sweep-index';
import { allSweepShards, EXPIRY_INDEX } from './keys';
import { updateOnVersion } from './update-on-version';

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

  async reindex(conversation: Conversation): Promise<void> {
    const due = sweepDueAt(conversation);
    await updateOnVersion(
      this.doc,
      this.tableName,
      conversation,
      due === undefined
        ? 'REMOVE sweepShard, lockExpiresAt'
        : 'SET sweepShard = :shard, lockExpiresAt = :due',
      due,
    );
  }

  async nudge(conversation: Conversation, now: number): Promise<boolean> {
    const due = sweepDueAt({ ...conversation, nudgedAt: now, updatedAt: now });
    const set = ['nudgedAt = :now', 'updatedAt = :now', '#version = :next'];
    if (due !== undefined) set.push('sweepShard = :shard, lockExpiresAt = :due');
    // The last version's events were published from its own record.
    const remove = ['outbox', ...(due === undefined ? ['sweepShard', 'lockExpiresAt'] : [])];
    return updateOnVersion(
      this.doc,
      this.tableName,
      conversation,
      `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      due,
      {
        ':now': now,
        ':next': conversation.version + 1,
      },
    );
  }
}
