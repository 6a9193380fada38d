/** Run `fn`, expecting it to throw synchronously; answers the error (fails the test otherwise). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** The error a call rejects with (or throws at once); `undefined` when it resolves. */
export async function rejection(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}
