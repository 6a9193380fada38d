/**
 * Markers of the hit-ratio section of bench/RESULTS.md: `npm run bench:hitratio` rewrites only
 * what lies between them, and a full `npm run bench` keeps it.
 */

/** Opens the hit-ratio section. */
export const HITRATIO_START = '<!-- hitratio:start -->';
/** Closes the hit-ratio section. */
export const HITRATIO_END = '<!-- hitratio:end -->';
