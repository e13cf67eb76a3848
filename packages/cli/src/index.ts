// Public API of @audit-events/cli. Nothing else is public.
export { run } from './main.js';
export type { CliIo, OutputStream, SignalSource } from './output/io.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { parseDatabaseUrl } from './config/db-url.js';
export type { DatabaseTarget, DatabaseUrlOptions, Dialect } from './config/db-url.js';
export type { DatabaseFlags, ResolvedSettings } from './config/config.js';
export type { ConfigFile } from './config/config-file.js';
export type { ArchiveReport } from './output/archive-report.js';
