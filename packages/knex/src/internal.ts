// @audit-events/knex/internal: what the other audit-events packages share with this one (framework
// adapters, knex, the CLI). Not part of the public API: it may change in any release.
export { SQLITE_DRIVERS } from './config/sqlite-config.js';
export { checkTableName } from './sql/identifiers.js';
export { DEFAULT_PERMISSION_AUDIT_TABLE } from './loggers/database-audit-logger.js';
export { queryTallies } from './reports/query-tallies.js';
export { permissionLogChainHeads } from './loggers/permission-chain.js';
export { eventLogChainHeads, eventLogTables } from './integrity/event-log.js';
