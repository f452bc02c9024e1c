/**
 * The conversation's audit trail: each transition and delivery decision, recorded in the very write
 * that makes it (so the trail cannot disagree with the state, and costs no request of its own).
 * What happened, between which phases, who caused it, for which handover: never a message's text,
 * an id chosen outside, or anything personal. Pure.
 */
import type { Phase } from './phase';

/** Who caused a change: Baton itself for its own steps (a presence check, the conveyor's deliveries). */
export const ACTORS = ['user', 'bot', 'agent', 'desk', 'sweep', 'operator', 'baton'] as const;
export type Actor = (typeof ACTORS)[number];

/** Decisions about a user message that are not transitions of the conversation. */
export const DELIVERY_ACTIONS = ['delivered', 'dead_lettered', 'redriven'] as const;
export type DeliveryAction = (typeof DELIVERY_ACTIONS)[number];

export interface AuditEntry {
  at: number;
  /** The version the write made (a write that pops a message and applies a command records both). */
  version: number;
  from: Phase;
  to: Phase;
  /** The command applied (`requestHandover`, …) or the delivery decision. */
  action: string;
  actor: Actor;
  /** Why, in Baton's words: a route, a presence status, an abandon reason, a failure stage, an error's name. */
  cause?: string | undefined;
  handoverId?: string | undefined;
}

/** Entries kept in the conversation's item; each also goes to the log (the whole history, for its retention). */
export const AUDIT_KEPT = 50;

/** The trail with `entry` added, the oldest dropped beyond AUDIT_KEPT. */
export const withAudit = (
  trail: readonly AuditEntry[] | undefined,
  entry: AuditEntry,
): readonly AuditEntry[] => [...(trail ?? []), entry].slice(-AUDIT_KEPT);
