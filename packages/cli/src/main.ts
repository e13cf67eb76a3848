import { Command, CommanderError } from 'commander';
import type { CommandContext } from './command-context.js';
import { COMMANDS } from './commands/index.js';
import { failureOf } from './errors-to-exit.js';
import { ExitCode } from './exit-codes.js';
import { resolveIo } from './output/io.js';
import type { CliIo } from './output/io.js';
import { Redactor } from './output/redact.js';
import { safeLayoutText } from './output/safe-text.js';
import { reportUnknownOptionsFirst } from './config/unknown-options-first.js';
import { cliVersion } from './version.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    unexpected failure
  2    bad command line (unknown command or option, bad value)
  3    bad configuration (no database, unknown URL scheme, bad config file, bad table name)
  4    database failure (unreachable, credentials refused, tables missing, query failed)
  130  interrupted by SIGINT, 143 by SIGTERM (committed batches stay committed)

The database comes from --db, else $AUDIT_EVENTS_DB, else the config file.`;

/**
 * Runs `audit-events` with process.argv-style arguments (`[node, script, ...args]`) and returns
 * the exit code; it never calls process.exit, so tests run it in-process with captured output.
 */
export async function run(argv: readonly string[] = process.argv, io?: CliIo): Promise<number> {
  const resolved = resolveIo(io);
  const redactor = new Redactor();
  let exitCode: number = ExitCode.OK;
  let json = false;
  const write = (stream: 'stdout' | 'stderr', text: string): void => {
    resolved[stream].write(safeLayoutText(redactor.redact(text)));
  };
  const ctx: CommandContext = {
    io: resolved,
    redactor,
    out: (line) => write('stdout', `${line}\n`),
    err: (line) => write('stderr', `${line}\n`),
    useJson: (enabled) => {
      json = enabled;
    },
    finish: (code) => {
      exitCode = code;
    },
  };

  const program = buildProgram(ctx, write);
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return exitCode;
  } catch (err) {
    // Commander has already printed its own message (usage errors, help, version).
    if (err instanceof CommanderError) return commanderExitCode(err);
    const failure = failureOf(err);
    ctx.err(`error: ${failure.message}${failure.code ? ` (${failure.code})` : ''}`);
    if (json) {
      ctx.out(
        JSON.stringify({
          ok: false,
          error: { code: failure.code ?? null, message: failure.message, exitCode: failure.exitCode },
        }),
      );
    }
    return failure.exitCode;
  }
}

function buildProgram(ctx: CommandContext, write: (stream: 'stdout' | 'stderr', text: string) => void): Command {
  const program = new Command('audit-events');
  program
    .description(
      'Manage an audit-events database: migrate creates or updates the tables, archive moves aged events ' +
        'to the archive table, report summarises the permission audit log (and writes an HTML overview ' +
        'with the latest request events), verify checks the hash chains written with integrity on.',
    )
    .version(cliVersion(), '-V, --version')
    // Settings below are inherited by every subcommand created with program.command().
    .exitOverride()
    .configureOutput({
      writeOut: (text) => write('stdout', text),
      writeErr: (text) => write('stderr', text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of COMMANDS) register(program, ctx);
  reportUnknownOptionsFirst(program);
  return program;
}

function commanderExitCode(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.OK;
  // Everything else (unknown command/option, bad or missing value, no command at all) is usage.
  return ExitCode.USAGE;
}
