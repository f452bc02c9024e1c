/** The port check-presence shares presence answers and its call budget through (DynamoPresenceCacheStore in shared/store). */
import type { AgentStatus } from '../domain/conversation';

/** A presence answer as shared in the table, and until when it counts as fresh. */
export interface SharedPresence {
  status: AgentStatus;
  until: number;
}

export interface PresenceCacheStore {
  /** The last answer shared for this channel and referrer, fresh or not (kept a minute past `until`). */
  read(tenantId: string, channel: string, referrer: string): Promise<SharedPresence | undefined>;
  write(
    tenantId: string,
    channel: string,
    referrer: string,
    status: AgentStatus,
    until: number,
  ): Promise<void>;
  /**
   * Reserves when this tenant's next presence call may start, `spacingMs` after the one reserved
   * before it, across every container: the time to start at, or undefined when the queue already
   * reaches past `latest`.
   */
  reserveCall(tenantId: string, now: number, spacingMs: number, latest: number): Promise<number | undefined>;
}
