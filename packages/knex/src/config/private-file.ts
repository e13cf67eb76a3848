import { closeSync, constants, openSync, statSync } from 'node:fs';

/** Mode of the SQLite database and, through SQLite itself, of its -wal and -shm files. */
export const SQLITE_FILE_MODE = 0o600;

/** Paths already reported, so every new connection to a file does not repeat the warning. */
const warned = new Set<string>();

/**
 * Creates `path` empty with `mode` if it does not exist, so the driver opens a file only its
 * owner can read. SQLite gives its -wal and -shm files the database file's permissions, so they
 * follow. Without this the driver creates the database 0644 under umask 022; a chmod after the
 * open would come too late for whoever opened it in between. Anything but "it already exists"
 * (a missing directory, a read-only place) is left for the driver to report.
 */
export function createPrivateFile(path: string, mode: number): void {
  try {
    closeSync(
      openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), mode),
    );
  } catch {
    // Exists already (checked by warnIfLoose), or the driver will say why it cannot be opened.
  }
}

/**
 * Warns once per database when one of its files (database, -wal, -shm) grants more than
 * `allowed`; modes are left alone (their owner may have chosen them).
 */
export function warnIfLoose(paths: readonly string[], allowed: number): void {
  const key = paths[0];
  if (key === undefined || warned.has(key)) return;
  const loose: string[] = [];
  for (const path of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & ~allowed) !== 0) loose.push(`${path} (${octal(mode)})`);
  }
  if (loose.length === 0) return;
  warned.add(key);
  process.emitWarning(
    `SQLite audit database files looser than ${octal(allowed)}: ${loose.join(', ')}; local users may read the ` +
      `audit trail (chmod ${octal(allowed)} them)`,
    { code: 'AUDIT_FILE_MODE_LOOSE' },
  );
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
