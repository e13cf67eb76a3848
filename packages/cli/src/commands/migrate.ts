import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions } from '../database-options.js';
import type { DatabaseOptionValues } from '../database-options.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../with-store.js';

/** `audit-events migrate`: creates or updates both tables; safe to run on every deploy. */
export function registerMigrate(program: Command, ctx: CommandContext): void {
  const command = program
    .command('migrate')
    .description('create or update the events table and the archive table (idempotent)');
  addDatabaseOptions(command).action(async (values: DatabaseOptionValues) => {
    ctx.useJson(values.json === true);
    ctx.finish(await migrate(values, ctx));
  });
}

async function migrate(values: DatabaseOptionValues, ctx: CommandContext): Promise<number> {
  return withStore(values, ctx, async (opened, settings) => {
    await opened.store.migrate();
    const database = settings.target.display;
    if (values.json) {
      ctx.out(JSON.stringify({ command: 'migrate', ok: true, table: opened.table, archiveTable: opened.archiveTable, database }));
    } else {
      ctx.out(`migrated ${opened.table} and ${opened.archiveTable} on ${database}`);
    }
    return ExitCode.OK;
  });
}
