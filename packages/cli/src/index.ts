// Public API of @audit-events/cli. Nothing else is public.
export { run } from './main.js';
export type { CliIo, OutputStream, SignalSource } from './io.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { parseDatabaseUrl } from './db-url.js';
export type { DatabaseTarget, DatabaseUrlOptions, Dialect } from './db-url.js';
export type { DatabaseFlags, ResolvedSettings } from './config.js';
export type { ConfigFile } from './config-file.js';
export type { ArchiveReport } from './archive-report.js';
