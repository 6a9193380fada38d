/** Run `fn`, expecting it to throw synchronously; answers the error (fails the test otherwise). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
