'use strict';
// Issue 22 (keyed tamper evidence): adds the key_id column to existing hash-chained tables — the
// event and archive tables (AUDIT_EVENTS_TABLE / AUDIT_EVENTS_ARCHIVE_TABLE, defaults audit_events,
// audit_events_archive) and the permission audit tables in AUDIT_EVENTS_PERMISSION_TABLES (comma
// separated, default permission_audit_log) that have chain columns. Tables created since already
// have it; a table that does not exist is skipped. Rows keep their hashes: key_id is null for them.
const { addKeyIdColumn, dropKeyIdColumns } = require('../dist/cjs/schema/key-id-column.js');
const { resolveSchema } = require('../dist/cjs/schema/schema-options.js');
const { checkTableName } = require('../dist/cjs/sql/identifiers.js');

function tablesFromEnv() {
  const schema = resolveSchema({
    tableName: process.env.AUDIT_EVENTS_TABLE || undefined,
    archiveTableName: process.env.AUDIT_EVENTS_ARCHIVE_TABLE || undefined,
  });
  const permission = (process.env.AUDIT_EVENTS_PERMISSION_TABLES || 'permission_audit_log')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => checkTableName(name));
  return [schema.tableName, schema.archiveTableName, ...permission];
}

exports.up = async (knex) => {
  for (const table of tablesFromEnv()) await addKeyIdColumn(knex, table);
};

// Refuses while any row is keyed: without key_id those rows could not be verified again.
exports.down = (knex) => dropKeyIdColumns(knex, tablesFromEnv());
