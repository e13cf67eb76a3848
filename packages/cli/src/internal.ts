// @audit-events/cli/internal: helpers this repository's tests and tools use. Not part of the public
// API: it may change in any release.
export { maskDatabaseUrl, DEFAULT_CONNECT_TIMEOUT_MS } from './config/db-url.js';
export { resolveSettings } from './config/config.js';
