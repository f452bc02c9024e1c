/** Thrown by an owner's delivery when the conversation left it between the check and the write: the drain asks again. */
export class OwnerChangedError extends Error {
  override readonly name = 'OwnerChangedError';
}
