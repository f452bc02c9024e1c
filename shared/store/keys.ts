/**
 * Every key shape of the single table, in one place. No other module writes a key string.
 *
 *   conversation   pk = T#<tenant>#C#<conversation ref>   sk = STATE   (the id itself is an attribute)
 *   idempotency    pk = T#<tenant>#I#<conversation ref>  sk = <scope>#<id ref>
 *                  (refs: keyed HMACs, shared/log/logger; a conversation's records are one partition,
 *                  found again for erasure without a scan, and no key holds a phone number)
 *   presence cache pk = T#<scope>#P#<hash of channel and referrer>  sk = PRESENCE
 *   presence rate  pk = T#<scope>#R    sk = RATE
 *                  (scope: the tenant, or <tenant>#D#<desk> for a named desk's own presence)
 *   phase index    phaseKey = T#<tenant>#PH#<phase>  updatedAt = epoch ms   (every conversation: an
 *                  operator lists a tenant's conversations in one phase, newest first, without a scan)
 *   sweep index    sweepShard = LOCK#<0..n>  lockExpiresAt = epoch ms   (only while something is due: a
 *                  lock, a handover step's deadline, an inbox head that may be delivered)
 *
 * Tenant ids cannot contain `#`, so one tenant's keys can never collide with another's.
 */
import { createHash } from 'node:crypto';
import type { Phase } from '../domain/phase';
import { conversationRef, idRef } from '../log/logger';

export const EXPIRY_INDEX = 'expiry-sweep';
export const PHASE_INDEX = 'by-phase';
/** What the phase index holds beside its keys: a listing's columns, no text of anyone's. */
export const PHASE_INDEX_PROJECTION = ['conversationId', 'channel', 'phase', 'version', 'createdAt'];
export const TTL_ATTRIBUTE = 'expiresAt';
export const SWEEP_SHARDS = 4;

export interface Key {
  pk: string;
  sk: string;
}

/**
 * By the conversation's keyed reference, not its id (a WhatsApp id is a phone number): the keys, the
 * stream's `Keys` and anything that copies them name no one.
 */
export const conversationKey = (tenantId: string, conversationId: string): Key =>
  conversationKeyByRef(tenantId, conversationRef(tenantId, conversationId));

/** The same key from the reference alone, as the bus's events name a conversation. */
export const conversationKeyByRef = (tenantId: string, ref: string): Key => ({
  pk: `T#${tenantId}#C#${ref}`,
  sk: 'STATE',
});

export const idempotencyKey = (
  tenantId: string,
  conversationId: string,
  scope: string,
  key: string,
): Key => ({
  pk: idempotencyPartition(tenantId, conversationId),
  sk: `${scope}#${idRef(key)}`,
});

/** Where every idempotency record of one conversation is. */
export const idempotencyPartition = (tenantId: string, conversationId: string): string =>
  idempotencyPartitionByRef(tenantId, conversationRef(tenantId, conversationId));

/** The same from the conversation's reference (erasure finds them by it). */
export const idempotencyPartitionByRef = (tenantId: string, ref: string): string => `T#${tenantId}#I#${ref}`;

/** Spreads held locks over a few index partitions so the sweep never reads one hot partition. */
export const sweepShard = (tenantId: string, conversationId: string): string =>
  sweepShardByRef(conversationRef(tenantId, conversationId));

/** A conversation's shard of the sweep index, from its reference (which already mixes in the tenant). */
export const sweepShardByRef = (ref: string): string => {
  const digest = createHash('sha256').update(ref).digest();
  return `LOCK#${(digest[0] ?? 0) % SWEEP_SHARDS}`;
};

export const allSweepShards = (): string[] => Array.from({ length: SWEEP_SHARDS }, (_, i) => `LOCK#${i}`);

export const presenceCacheKey = (tenantId: string, channel: string, referrer: string): Key => ({
  pk: `T#${tenantId}#P#${createHash('sha256').update(`${channel}\u0000${referrer}`).digest('hex').slice(0, 32)}`,
  sk: 'PRESENCE',
});

/** One item a tenant: when its next presence call may start. */
export const presenceBudgetKey = (tenantId: string): Key => ({
  pk: `T#${tenantId}#R`,
  sk: 'RATE',
});

/** A tenant's conversations in one phase: the phase index's partition (under the tenant's leading keys). */
export const phaseKey = (tenantId: string, phase: Phase): string => `T#${tenantId}#PH#${phase}`;
