'use strict';
// Creates the audit event and archive tables, for
//   knex migrate:latest --migrations-directory node_modules/@audit-events/knex/migrations \
//     --migrations-table-name audit_events_migrations
// Table names come from AUDIT_EVENTS_TABLE / AUDIT_EVENTS_ARCHIVE_TABLE (defaults audit_events,
// audit_events_archive) and extra columns from AUDIT_EVENTS_EXTRA_COLUMNS (a JSON array, e.g.
// [{"name":"tenant_id","type":"string","index":true}]). Read when the migration runs, not when it
// is loaded. The same code as store.migrate(): running both, in any order, is harmless.
const { ConfigurationError } = require('@audit-events/core');
const { ensureSchema, dropSchemaIfEmpty } = require('../dist/cjs/schema/ensure-schema.js');
const { resolveSchema } = require('../dist/cjs/schema/schema-options.js');

function schemaFromEnv() {
  let extraColumns;
  const extra = process.env.AUDIT_EVENTS_EXTRA_COLUMNS;
  if (extra !== undefined && extra.trim() !== '') {
    try {
      extraColumns = JSON.parse(extra);
    } catch (err) {
      throw new ConfigurationError('AUDIT_EVENTS_EXTRA_COLUMNS', `is not valid JSON: ${err.message}`);
    }
  }
  return resolveSchema({
    tableName: process.env.AUDIT_EVENTS_TABLE || undefined,
    archiveTableName: process.env.AUDIT_EVENTS_ARCHIVE_TABLE || undefined,
    extraColumns,
  });
}

exports.up = (knex) => ensureSchema(knex, schemaFromEnv());

// Drops both tables only while they are empty: a rollback must not delete an audit trail.
exports.down = (knex) => dropSchemaIfEmpty(knex, schemaFromEnv());
