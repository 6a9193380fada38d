/**
 * The internal signal the value encoder throws when it meets something it cannot encode. It
 * carries no method name or argument position: each container it unwinds through adds its path
 * segment, and `encodeArgs` turns it into the public `CacheKeyError`. Never escapes the library.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** What could not be encoded, and where inside the argument (built while unwinding). */
export class KeyProblem {
  /** What the offending value is, e.g. `is a function`. */
  readonly what: string;
  /** Path segments such as `.filters` or `[2]`, innermost first (pushed while unwinding). */
  readonly segments: string[] = [];
  /**
   * For a cycle: how many path segments lead to the ancestor it refers back to (0 = the
   * argument itself). -1 when the problem is not a cycle; -2 is the encoder's internal signal
   * that its first pass went too deep (never surfaces).
   */
  readonly cycleTarget: number;
  /** What to do about it, when the general advice does not fit (a class instance, say). */
  readonly advice: string | undefined;

  /**
   * @param what - what the offending value is, e.g. `is a symbol`
   * @param cycleTarget - for a cycle, the depth of the ancestor it refers back to; else -1
   * @param advice - the sentence telling what to do, replacing the general one
   */
  constructor(what: string, cycleTarget = -1, advice?: string) {
    this.what = what;
    this.cycleTarget = cycleTarget;
    this.advice = advice;
  }

  /**
   * `.name` or `["odd key"]`, the way a reader would write the property access.
   *
   * @param key - an own property name
   * @returns the path segment for it
   */
  static propertySegment(key: string): string {
    return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
}

/**
 * Adds a container's path segment to a {@link KeyProblem} unwinding through it; other errors
 * (a throwing getter, a revoked proxy) pass through untouched. Called in `catch` blocks only, so
 * the hot loops capture nothing.
 *
 * @param err - what was thrown inside the container
 * @param at - the array index or property name being encoded, or a ready-made segment
 * @param ready - `true` when `at` is already a segment (Map and Set members)
 * @returns `err`, to rethrow
 */
export function withSegment(err: unknown, at: number | string, ready = false): unknown {
  if (err instanceof KeyProblem) {
    err.segments.push(
      ready ? String(at) : typeof at === 'number' ? `[${at}]` : KeyProblem.propertySegment(at),
    );
  }
  return err;
}
