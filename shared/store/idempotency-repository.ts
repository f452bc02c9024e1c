/** (use case) → IdempotencyStore → DynamoDB: one item per key; expiry read from stored timestamps, never trusted to DynamoDB TTL. */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { ConversationByRef } from '../ports/conversation-store';
import type { HeldClaim, IdempotencyClaim, IdempotencyStore } from '../ports/idempotency-store';
import { idempotencyKey, idempotencyPartitionByRef, TTL_ATTRIBUTE } from './keys';

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: IdempotencyClaim, now: number): Promise<HeldClaim | 'duplicate'> {
    const nowSeconds = toEpochSeconds(now);
    // Names this claim: when the SDK sends it again (the first answer was lost on the way back), it
    // finds its own claim and is claimed, not a duplicate whose work nobody would ever do.
    const claimId = randomUUID();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...idempotencyKey(claim.tenantId, claim.conversationId, claim.scope, claim.key),
            status: 'in_progress',
            inProgressUntil: nowSeconds + claim.inProgressSeconds,
            claimId,
            [TTL_ATTRIBUTE]: nowSeconds + claim.retentionSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR #ttl <= :now OR (#status = :inProgress AND (inProgressUntil <= :now OR claimId = :claimId))',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': nowSeconds,
            ':inProgress': 'in_progress',
            ':claimId': claimId,
          },
        }),
      );
      return { claimId };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async complete(claim: IdempotencyClaim, now: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: idempotencyKey(claim.tenantId, claim.conversationId, claim.scope, claim.key),
        UpdateExpression: 'SET #status = :completed, #ttl = :ttl REMOVE inProgressUntil',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':completed': 'completed',
          ':ttl': toEpochSeconds(now) + claim.retentionSeconds,
        },
      }),
    );
  }

  async release(claim: IdempotencyClaim, held: HeldClaim): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: idempotencyKey(claim.tenantId, claim.conversationId, claim.scope, claim.key),
          ConditionExpression: 'claimId = :claimId',
          ExpressionAttributeValues: { ':claimId': held.claimId },
        }),
      );
    } catch (error) {
      // Someone else's claim (or none) now: theirs to finish or release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async forgetConversation(ref: ConversationByRef): Promise<number> {
    const pk = idempotencyPartitionByRef(ref.tenantId, ref.conversationRef);
    let forgotten = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: start,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
      // One by one: erasure is rare, and DeleteItem is the one delete the functions are granted.
      for (const Key of keys) await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key }));
      forgotten += keys.length;
      start = page.LastEvaluatedKey;
    } while (start);
    return forgotten;
  }
}
