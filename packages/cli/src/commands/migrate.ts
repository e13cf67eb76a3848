import type { Command } from 'commander';
import { addKeyIdColumn, upgradePermissionAuditTable } from '@audit-events/knex';
import { checkTableName } from '@audit-events/knex/internal';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions } from '../config/database-options.js';
import type { DatabaseOptionValues } from '../config/database-options.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../store/with-store.js';

/** `audit-events migrate`: creates or updates both tables; safe to run on every deploy. */
export function registerMigrate(program: Command, ctx: CommandContext): void {
  const command = program
    .command('migrate')
    .description('create or update the events table and the archive table (idempotent)')
    .option(
      '--permission-table <name>',
      'also upgrade this permission audit table: event_id, tenant_id, actor_type, and key_id when chained',
    );
  addDatabaseOptions(command).action(async (values: DatabaseOptionValues & { permissionTable?: string }) => {
    ctx.useJson(values.json === true);
    ctx.finish(await migrate(values, ctx));
  });
}

async function migrate(
  values: DatabaseOptionValues & { permissionTable?: string },
  ctx: CommandContext,
): Promise<number> {
  if (values.permissionTable !== undefined) checkTableName(values.permissionTable);
  return withStore(values, ctx, async (opened, settings) => {
    // store.migrate() adds missing columns (key_id included) to the event and archive tables.
    await opened.store.migrate();
    if (values.permissionTable !== undefined) {
      await upgradePermissionAuditTable(opened.knex, values.permissionTable);
      await addKeyIdColumn(opened.knex, values.permissionTable);
    }
    const database = settings.target.display;
    if (values.json) {
      ctx.out(
        JSON.stringify({
          command: 'migrate',
          ok: true,
          table: opened.table,
          archiveTable: opened.archiveTable,
          database,
        }),
      );
    } else {
      ctx.out(`migrated ${opened.table} and ${opened.archiveTable} on ${database}`);
    }
    return ExitCode.OK;
  });
}
