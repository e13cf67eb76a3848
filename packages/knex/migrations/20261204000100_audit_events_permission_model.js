'use strict';
// Issues 17 and 18: adds event_id (unique: a retried batch is stored once), tenant_id and
// actor_type, with their indexes, to existing permission audit tables — the ones named in
// AUDIT_EVENTS_PERMISSION_TABLES (comma separated, default permission_audit_log). A table that does
// not exist is skipped (DatabaseAuditLogger creates new ones complete). Existing rows keep null in
// the new columns: null is no duplicate in a unique index on SQLite, MariaDB and PostgreSQL, and a
// null column is left out of a row's hash, so chains written before still verify.
const { upgradePermissionAuditTable, downgradePermissionAuditTables } = require('../dist/cjs/loggers/permission-table-upgrade.js');
const { checkTableName } = require('../dist/cjs/sql/identifiers.js');

function tablesFromEnv() {
  return (process.env.AUDIT_EVENTS_PERMISSION_TABLES || 'permission_audit_log')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => checkTableName(name));
}

exports.up = async (knex) => {
  for (const table of tablesFromEnv()) await upgradePermissionAuditTable(knex, table);
};

// Refuses while any row holds a value in the new columns (see downgradePermissionAuditTables).
exports.down = (knex) => downgradePermissionAuditTables(knex, tablesFromEnv());
