export { CacheflightError } from './cache/errors.js';
