/**
 * Remembers which deliveries were already handled, so retried webhooks and redelivered events
 * have their effects once. Modelled on Powertools' idempotency persistence layer:
 *
 *   (none) ──claim──▶ in_progress ──complete──▶ completed ──(retention passes)──▶ (none)
 *                         │  └──(in-progress window passes: the worker died)──▶ claimable again
 *                         └──release (the work failed, let the retry do it)──▶ (none)
 *
 * Expiry is read from stored timestamps, never trusted to DynamoDB TTL.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import { idempotencyKey, TTL_ATTRIBUTE } from './keys';

export type ClaimResult = 'claimed' | 'duplicate';

export interface IdempotencyClaim {
  tenantId: string;
  /** What kind of delivery: `wa-message`, `web-message`, `event:relay`, ... */
  scope: string;
  key: string;
  /** How long a completed key is remembered: at least the sender's retry horizon. */
  retentionSeconds: number;
  /** How long a claim blocks others before it is considered abandoned. */
  inProgressSeconds: number;
}

export interface IdempotencyStore {
  claim(claim: IdempotencyClaim, now: number): Promise<ClaimResult>;
  complete(claim: IdempotencyClaim, now: number): Promise<void>;
  release(claim: IdempotencyClaim): Promise<void>;
}

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: IdempotencyClaim, now: number): Promise<ClaimResult> {
    const nowSeconds = toEpochSeconds(now);
    // Names this claim: when the SDK sends it again (the first answer was lost on the way back), it
    // finds its own claim and is claimed, not a duplicate whose work nobody would ever do.
    const claimId = randomUUID();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...idempotencyKey(claim.tenantId, claim.scope, claim.key),
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
      return 'claimed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async complete(claim: IdempotencyClaim, now: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: idempotencyKey(claim.tenantId, claim.scope, claim.key),
        UpdateExpression: 'SET #status = :completed, #ttl = :ttl REMOVE inProgressUntil',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':completed': 'completed',
          ':ttl': toEpochSeconds(now) + claim.retentionSeconds,
        },
      }),
    );
  }

  async release(claim: IdempotencyClaim): Promise<void> {
    await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: idempotencyKey(claim.tenantId, claim.scope, claim.key),
      }),
    );
  }
}

export interface OnceOptions {
  /**
   * The work ends with a conversation write that its caller checks before claiming (a phase the
   * work leaves), so that write is the record of the work done: the claim only has to keep
   * concurrent duplicates out while it runs, and is not written a second time to say it completed.
   */
  recordedInState?: boolean;
}

/**
 * Runs `work` once per claim: a duplicate returns 'duplicate' without running it; a failure
 * releases the claim and rethrows so the sender's retry can do the work.
 */
export async function once(
  store: IdempotencyStore,
  claim: IdempotencyClaim,
  now: () => number,
  work: () => Promise<void>,
  options: OnceOptions = {},
): Promise<ClaimResult> {
  if ((await store.claim(claim, now())) === 'duplicate') return 'duplicate';
  try {
    await work();
  } catch (error) {
    await store.release(claim);
    throw error;
  }
  if (!options.recordedInState) await store.complete(claim, now());
  return 'claimed';
}
