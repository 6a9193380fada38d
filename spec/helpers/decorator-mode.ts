/**
 * Which decorator convention this test run compiles with. `npm run test:legacy` sets
 * CACHEFLIGHT_DECORATORS=legacy and points tsx at tsconfig.legacy.json; the detected mode is
 * checked against the requested one so a misconfigured run fails instead of testing twice the same.
 */
function probe(...args: unknown[]): void {
  detected = args.length === 2 ? 'standard' : 'legacy';
}
let detected: 'standard' | 'legacy' | undefined;
class Probe {
  @(probe as (...args: unknown[]) => void) m(): void {}
}
void Probe;

/** The decorator mode the compiled specs actually use. */
export const decoratorMode: 'standard' | 'legacy' = detected ?? 'standard';
/** The decorator mode the run asked for. */
export const requestedMode: 'standard' | 'legacy' = process.env['CACHEFLIGHT_DECORATORS'] === 'legacy' ? 'legacy' : 'standard';
