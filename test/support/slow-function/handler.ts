/** A function that takes as long as its event asks: for the local invoker's timeout test. */
export function createHandler() {
  return async (event: { waitMs: number }): Promise<string> => {
    await new Promise((resolve) => setTimeout(resolve, event.waitMs));
    return 'done';
  };
}
