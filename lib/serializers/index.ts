export type { Serializer } from './serializer.js';
export { decodeTagged, encodeTagged, taggedJsonSerializer } from './tagged-json.js';
export { taggedJsonSerializer as defaultSerializer } from './tagged-json.js';
