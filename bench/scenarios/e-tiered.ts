/**
 * Scenario E: two tiers (L1 memory in front of L2 Redis) with the key in L1, measured only once
 * cacheflight has a tiered store. Until then it reports itself skipped.
 */
import { emitResult, type ScenarioResult } from '../harness/child.js';

const index = (await import('../../lib/index.js')) as Record<string, unknown>;
const exists = typeof index['tieredStore'] === 'function';
const result: ScenarioResult = {
  scenario: 'E',
  tables: [],
  notes: [exists ? 'E: skipped, a tieredStore is exported but this bench has no E rows yet (add them in bench/scenarios/e-tiered.ts)' : 'E: skipped, no tiered store'],
};
emitResult(result);
process.exit(0);
