import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { registerArchive } from './archive.js';
import { registerIngest } from './ingest.js';
import { registerMigrate } from './migrate.js';
import { registerReport } from './report.js';
import { registerVerify } from './verify.js';
import { registerCheckpoint } from './checkpoint.js';
import { registerKeys } from './keys.js';
import { registerExport } from './export.js';

/**
 * Every subcommand, in help order. A new command (report, verify) is one file exporting
 * `register<Name>(program, ctx)` and one line here; it gets the shared database options from
 * database-options.ts, output through `ctx`, and exit codes from errors-to-exit.ts.
 */
export const COMMANDS: ReadonlyArray<(program: Command, ctx: CommandContext) => void> = [
  registerMigrate,
  registerArchive,
  registerReport,
  registerExport,
  registerVerify,
  registerCheckpoint,
  registerKeys,
  registerIngest,
];
