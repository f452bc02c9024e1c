import type { Conversation } from '../domain/conversation';

/** Someone else wrote the conversation since we read it: decide again on `current` (the item as it stood), or re-read. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';

  constructor(
    readonly tenantId: string,
    readonly expectedVersion: number,
    readonly current: Conversation | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `conversation changed concurrently (expected version ${expectedVersion}, found ${current?.version ?? 'none'})`,
      options,
    );
  }
}
