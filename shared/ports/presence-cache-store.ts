/** The port check-presence shares presence answers and its call budget through (DynamoPresenceCacheStore in shared/store). */
import type { AgentStatus } from '../domain/conversation';

/** A presence answer as shared in the table, and until when it counts as fresh. */
export interface SharedPresence {
  status: AgentStatus;
  until: number;
}

/** Each method's `scope` is the tenant id, or `<tenant>#D#<desk>` for a named desk's own presence. */
export interface PresenceCacheStore {
  /** The last answer shared for this channel and referrer, fresh or not (kept a minute past `until`). */
  read(scope: string, channel: string, referrer: string): Promise<SharedPresence | undefined>;
  write(scope: string, channel: string, referrer: string, status: AgentStatus, until: number): Promise<void>;
  /**
   * Reserves when this scope's next presence call may start, `spacingMs` after the one reserved
   * before it, across every container: the time to start at, or undefined when the queue already
   * reaches past `latest`.
   */
  reserveCall(scope: string, now: number, spacingMs: number, latest: number): Promise<number | undefined>;
}
