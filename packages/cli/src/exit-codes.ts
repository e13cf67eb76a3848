/**
 * Exit codes of `audit-events`, stable so cron wrappers and CI jobs can branch on them.
 * 130 and 143 follow the shell convention 128 + signal number.
 */
export const ExitCode = {
  /** Done. */
  OK: 0,
  /** Anything not covered below (a bug, an unexpected failure). */
  FAILURE: 1,
  /** Bad command line: unknown command or option, missing or malformed value. */
  USAGE: 2,
  /** Bad configuration: no database given, unknown URL scheme, bad config file, bad table name. */
  CONFIG: 3,
  /** The database failed: unreachable, credentials refused, tables missing, a query failed. */
  DATABASE: 4,
  /** Stopped by SIGINT (Ctrl-C); committed batches stay committed. */
  SIGINT: 130,
  /** Stopped by SIGTERM (e.g. a scheduler's timeout); committed batches stay committed. */
  SIGTERM: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
