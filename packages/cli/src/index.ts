// Public API of @audit-events/cli. Nothing else is public.
export { run } from './main.js';
export type { CliIo, OutputStream, SignalSource } from './io.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { parseDatabaseUrl, maskDatabaseUrl, DEFAULT_CONNECT_TIMEOUT_MS } from './db-url.js';
export type { DatabaseTarget, DatabaseUrlOptions, Dialect } from './db-url.js';
export { resolveSettings, ENV } from './config.js';
export type { DatabaseFlags, ResolvedSettings } from './config.js';
export { loadConfigFile, DEFAULT_CONFIG_FILES } from './config-file.js';
export type { ConfigFile } from './config-file.js';
export { archiveSummaryLine } from './archive-report.js';
export type { ArchiveReport } from './archive-report.js';
