import type { ResolvedIo } from './output/io.js';
import type { Redactor } from './output/redact.js';

/**
 * What every command gets: output that is always redacted, and a way to report its exit code.
 * Commands never write to process.stdout directly and never call process.exit.
 */
export interface CommandContext {
  readonly io: ResolvedIo;
  readonly redactor: Redactor;
  /** One line of result to stdout. */
  out(line: string): void;
  /** One line of diagnostics to stderr. */
  err(line: string): void;
  /** Declares that the running command speaks JSON, so a failure is also reported as JSON. */
  useJson(enabled: boolean): void;
  /** Sets the exit code `run()` returns. */
  finish(exitCode: number): void;
}
