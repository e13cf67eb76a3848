import type { Knex } from 'knex';
import { checkTableName } from '../sql/identifiers.js';
import { dropSchemaIfEmpty, ensureSchema } from './ensure-schema.js';
import { addAuditModelColumns, dropAuditModelColumns } from './audit-model-upgrade.js';
import { addKeyIdColumn, dropKeyIdColumns } from './key-id-column.js';
import { downgradePermissionAuditTables, upgradePermissionAuditTable } from '../loggers/permission-table-upgrade.js';
import {
  DEFAULT_ARCHIVE_TABLE_NAME,
  DEFAULT_TABLE_NAME,
  resolveSchema,
  type ResolvedSchema,
  type SchemaOptions,
} from './schema-options.js';

/**
 * The name knex records for the schema migration. It equals the file name in the package's
 * `migrations/` directory, so a project can switch between the directory and this source without
 * knex reporting a "corrupt" migration list. Custom table names get their own name, so two stores
 * migrated through one migrations table do not shadow each other.
 */
export const AUDIT_EVENTS_MIGRATION_NAME = '20250601000000_audit_events_create_tables.js';

/** The second migration: key_id on tables created before keyed chains. */
export const KEY_ID_MIGRATION_NAME = '20261203000000_audit_events_add_key_id.js';

/** The third: the audit-model columns and indexes on tables created before them. */
export const AUDIT_MODEL_MIGRATION_NAME = '20261204000000_audit_events_audit_model.js';

/** The fourth: permission tables get event_id (unique), tenant_id, actor_type and their indexes. */
export const PERMISSION_MODEL_MIGRATION_NAME = '20261204000100_audit_events_permission_model.js';

export function migrationNameFor(schema: ResolvedSchema, base = AUDIT_EVENTS_MIGRATION_NAME): string {
  if (schema.tableName === DEFAULT_TABLE_NAME && schema.archiveTableName === DEFAULT_ARCHIVE_TABLE_NAME) {
    return base;
  }
  return base.replace(/\.js$/, `__${schema.tableName}__${schema.archiveTableName}.js`);
}

interface AuditMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * A knex MigrationSource that creates both tables, for the user's own
 * `knex.migrate.latest({ migrationSource, tableName: 'audit_events_migrations' })`. Idempotent
 * with `store.migrate()`: whichever runs first creates, the other finds everything present.
 * Options are validated now, so a bad table name fails before any migration runs.
 */
export function auditEventsMigrationSource(
  options: SchemaOptions = {},
  { permissionTables = ['permission_audit_log'] }: { permissionTables?: readonly string[] } = {},
): Knex.MigrationSource<AuditMigration> {
  const schema = resolveSchema(options);
  const migration: AuditMigration = {
    name: migrationNameFor(schema),
    up: (knex) => ensureSchema(knex, schema),
    down: (knex) => dropSchemaIfEmpty(knex, schema),
  };
  // Permission tables that exist and have chain columns get key_id too; others are skipped.
  const keyed = [schema.tableName, schema.archiveTableName, ...permissionTables.map((t) => checkTableName(t))];
  const keyIdMigration: AuditMigration = {
    name: migrationNameFor(schema, KEY_ID_MIGRATION_NAME),
    up: async (knex) => {
      for (const table of keyed) await addKeyIdColumn(knex, table);
    },
    down: (knex) => dropKeyIdColumns(knex, keyed),
  };
  const eventTables = [schema.tableName, schema.archiveTableName];
  const auditModelMigration: AuditMigration = {
    name: migrationNameFor(schema, AUDIT_MODEL_MIGRATION_NAME),
    up: async (knex) => {
      for (const table of eventTables) await addAuditModelColumns(knex, table);
    },
    down: (knex) => dropAuditModelColumns(knex, eventTables),
  };
  const permissionNames = permissionTables.map((t) => checkTableName(t));
  const permissionModelMigration: AuditMigration = {
    name: migrationNameFor(schema, PERMISSION_MODEL_MIGRATION_NAME),
    up: async (knex) => {
      for (const table of permissionNames) await upgradePermissionAuditTable(knex, table);
    },
    down: (knex) => downgradePermissionAuditTables(knex, permissionNames),
  };
  return {
    getMigrations: async () => [migration, keyIdMigration, auditModelMigration, permissionModelMigration],
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({ up: m.up, down: m.down }),
  };
}
