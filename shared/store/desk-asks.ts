/**
 * (hand-over) → DeskAsks → DynamoDB: marks a handover's desk call on the conversation item. Apart
 * from ConversationStore so only hand-over bundles it.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { Conversation } from '../domain/conversation';
import type { ConversationByRef } from '../ports/conversation-store';
import type { DeskAsks, DeskPickup } from '../ports/desk-asks';
import { conversationFromItem } from './conversation-repository';
import { conversationKeyByRef, sweepShardByRef, TTL_ATTRIBUTE } from './keys';

export class DynamoDeskAsks implements DeskAsks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async markDeskAsked(
    ref: ConversationByRef & { handoverId: string },
    now: number,
    retakeAfterMs: number,
    pickup: DeskPickup,
  ): Promise<Conversation | undefined> {
    const pickupBy = now + pickup.pickupMs;
    const nextWaitingAt =
      pickup.awaitsClaim && pickup.waitingEveryMs !== undefined ? now + pickup.waitingEveryMs : undefined;
    const waiting =
      nextWaitingAt === undefined ? {} : { ':every': pickup.waitingEveryMs, ':nextWaiting': nextWaitingAt };
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKeyByRef(ref.tenantId, ref.conversationRef),
          UpdateExpression: [
            'SET handover.deskAskedAt = :now, handover.deskAskedBy = :asker, handover.pickupBy = :pickupBy,',
            'handover.awaitsClaim = :awaits,',
            nextWaitingAt === undefined
              ? ''
              : 'handover.waitingEveryMs = :every, handover.nextWaitingAt = :nextWaiting,',
            'updatedAt = :now, #version = #version + :one, sweepShard = :shard, lockExpiresAt = :due REMOVE outbox',
          ].join(' '),
          ConditionExpression: [
            '#phase = :handingOver AND handover.id = :handoverId AND #ttl > :nowSeconds',
            // Or marked by this very request: the SDK sent it again after its first answer was lost.
            '(attribute_not_exists(handover.deskAskedAt) OR handover.deskAskedAt <= :abandonedBefore OR handover.deskAskedBy = :asker)',
          ].join(' AND '),
          ExpressionAttributeNames: { '#version': 'version', '#phase': 'phase', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':now': now,
            ':one': 1,
            ':handingOver': 'handing_over',
            ':handoverId': ref.handoverId,
            ':asker': randomUUID(),
            ':nowSeconds': toEpochSeconds(now),
            ':abandonedBefore': now - retakeAfterMs,
            ':shard': sweepShardByRef(ref.conversationRef),
            // The desk has until then to take the conversation; the sweep looks again then, or at the
            // first waiting message.
            ':pickupBy': pickupBy,
            ':awaits': pickup.awaitsClaim,
            ':due': Math.min(pickupBy, nextWaitingAt ?? pickupBy),
            ...waiting,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return conversationFromItem(Attributes, now);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionConflictException)
        return undefined;
      throw error;
    }
  }
}
