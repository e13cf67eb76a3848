'use strict';
// Issue 17 (the audit model): adds the tenant_id, actor_type, action, outcome and reason columns
// and the (tenant_id, created_at) and (action, created_at) indexes to existing event and archive
// tables (AUDIT_EVENTS_TABLE / AUDIT_EVENTS_ARCHIVE_TABLE, defaults audit_events,
// audit_events_archive). Tables created since already have them; a table that does not exist is
// skipped. Existing rows keep their values and hashes: the new columns are null for them, and read
// back as the defaults (actor type from user_id, outcome success). Permission tables have their
// own migration.
const { addAuditModelColumns, dropAuditModelColumns } = require('../dist/cjs/schema/audit-model-upgrade.js');
const { resolveSchema } = require('../dist/cjs/schema/schema-options.js');

function tablesFromEnv() {
  const schema = resolveSchema({
    tableName: process.env.AUDIT_EVENTS_TABLE || undefined,
    archiveTableName: process.env.AUDIT_EVENTS_ARCHIVE_TABLE || undefined,
  });
  return [schema.tableName, schema.archiveTableName];
}

exports.up = async (knex) => {
  for (const table of tablesFromEnv()) await addAuditModelColumns(knex, table);
};

// Refuses while any row holds a value in the new columns: those values (and hashes) would be lost.
exports.down = (knex) => dropAuditModelColumns(knex, tablesFromEnv());
