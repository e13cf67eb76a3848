import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigurationError } from '@audit-events/core';
import { takeCheckpoint, type CheckpointLog } from '@audit-events/knex';
import { checkTableName, eventLogTables } from '@audit-events/knex/internal';
import type { CommandContext } from '../command-context.js';
import { addDatabaseOptions, type DatabaseOptionValues } from '../config/database-options.js';
import { ExitCode } from '../exit-codes.js';
import { requireTables } from '../store/require-tables.js';
import { safeText } from '../output/safe-text.js';
import { withStore } from '../store/with-store.js';

interface CheckpointOptionValues extends DatabaseOptionValues {
  out: string;
  privateKey: string;
  permissionTable?: string;
}

/** Reads a key file; the error names the file, never its content. */
export async function readKeyFile(path: string, setting: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError(setting, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: err,
    });
  }
}

/** `audit-events checkpoint --out DIR --private-key FILE`: the next signed checkpoint of every chain head. */
export function registerCheckpoint(program: Command, ctx: CommandContext): void {
  const command = program
    .command('checkpoint')
    .description(
      'write a signed checkpoint: every chain head (chain, seq, hash, key id, time) of the event tables ' +
        '(and --permission-table), signed with Ed25519 and naming the previous checkpoint, as the next file of DIR',
    )
    .requiredOption('--out <dir>', 'the checkpoint directory (keep it out of reach of the database writers)')
    .requiredOption('--private-key <file>', 'Ed25519 private key, PEM (audit-events keys signing-pair)')
    .option('--permission-table <name>', 'also record the chains of this permission audit table');
  addDatabaseOptions(command).action(async (values: CheckpointOptionValues) => {
    ctx.useJson(values.json === true);
    if (values.permissionTable !== undefined) checkTableName(values.permissionTable);
    const privateKey = await readKeyFile(resolve(ctx.io.cwd, values.privateKey), 'private-key');
    const dir = resolve(ctx.io.cwd, values.out);
    ctx.finish(
      await withStore(values, ctx, async (opened, settings) => {
        await requireTables(
          opened.knex,
          [opened.table, ...(values.permissionTable === undefined ? [] : [values.permissionTable])],
          settings.target.display,
        );
        const logs: CheckpointLog[] = [
          { name: opened.table, tables: await eventLogTables(opened.knex, opened.table, opened.archiveTable) },
        ];
        if (values.permissionTable !== undefined)
          logs.push({ name: values.permissionTable, tables: [values.permissionTable], kind: 'permissions' });
        const written = await takeCheckpoint(opened.knex, logs, { dir, privateKey });
        if (values.json) ctx.out(JSON.stringify({ command: 'checkpoint', ok: true, ...written }));
        else
          ctx.out(
            safeText(
              `checkpoint ${written.sequence} written to ${written.file}: ${written.chains} chain head(s), digest ${written.digest}`,
            ),
          );
        return ExitCode.OK;
      }),
    );
  });
}
