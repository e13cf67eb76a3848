// Public API of @audit-events/knex. Nothing else is public.
export { KnexEventStore } from './store/knex-event-store.js';
export type { StoreStats } from './store/knex-event-store.js';
export type { KnexEventStoreOptions } from './store/store-options.js';
export type { EventRow, RowMapper } from './store/event-row.js';
export type { WriterStats } from './writer/group-commit.js';
export type { SchemaOptions } from './schema/schema-options.js';
export type { ExtraColumn, ExtraColumnType } from './schema/columns.js';
export {
  auditEventsMigrationSource,
  AUDIT_EVENTS_MIGRATION_NAME,
  KEY_ID_MIGRATION_NAME,
  AUDIT_MODEL_MIGRATION_NAME,
  PERMISSION_MODEL_MIGRATION_NAME,
} from './schema/migration-source.js';
export { addKeyIdColumn } from './schema/key-id-column.js';
export { addAuditModelColumns } from './schema/audit-model-upgrade.js';
export { upgradePermissionAuditTable } from './loggers/permission-table-upgrade.js';
export type { ArchiveOptions, ArchiveProgress, ArchiveResult } from './archive/archive-events.js';
export { sqliteKnexConfig } from './config/sqlite-config.js';
export type { SqliteDriver, SqliteKnexOverrides } from './config/sqlite-config.js';
export {
  DatabaseAuditLogger,
  ensurePermissionAuditTable,
  type DatabaseAuditLoggerOptions,
} from './loggers/database-audit-logger.js';
// Permission-log reports computed in the database (GROUP BY), and the latest request events per type.
export { queryReport, queryReports } from './reports/query-reports.js';
export type { PermissionReportSource } from './reports/query-reports.js';
export { latestEventsByContentType } from './reports/latest-events.js';
export type { LatestEventsOptions, ContentTypeEvents } from './reports/latest-events.js';
export { summarizeRequestEvents } from './reports/request-event-summary.js';
export type { RequestEventSummaryOptions, RequestEventSummary, EventCount } from './reports/request-event-summary.js';
// Tamper evidence: hash chains (the `integrity` option) and their verification.
export { verifyPermissionLog, type PermissionLogTableOptions } from './loggers/permission-chain.js';
export { verifyEventLog, type EventLogTableOptions } from './integrity/event-log.js';
export { GENESIS_HASH, HASH_FORMAT } from './integrity/row-digest.js';
export type { IntegrityOption, IntegrityOptions } from './integrity/integrity-options.js';
// Keyed chains (HMAC-SHA256 under writer keys with ids and rotation).
export {
  KeySet,
  keySetFromEnv,
  keySetFromFile,
  parseKeySet,
  generateKeyEntry,
  DEFAULT_KEYS_ENV,
} from './integrity/keys/key-set.js';
export { MIN_KEY_BYTES, type ChainKey, type KeyProvider } from './integrity/keys/chain-key.js';
export { SigningKeyError } from './integrity/keys/keyring.js';
// Signed checkpoints: chain heads signed with Ed25519, kept outside the database.
export { takeCheckpoint, type CheckpointOptions, type CheckpointLog } from './integrity/checkpoint/take-checkpoint.js';
export {
  readCheckpoints,
  recordedHeads,
  checkpointFileName,
  type VerifiedCheckpoint,
  type WrittenCheckpoint,
} from './integrity/checkpoint/checkpoint-dir.js';
export {
  CHECKPOINT_FORMAT,
  CheckpointError,
  checkpointDigest,
  checkpointPrivateKey,
  checkpointPublicKey,
  type CheckpointHead,
  type CheckpointPayload,
} from './integrity/checkpoint/checkpoint-file.js';
export type {
  ChainHead,
  ChainVerification,
  IntegrityFailure,
  VerifyOptions,
  VerifyReport,
} from './integrity/verify-report.js';
