import { fstatSync } from 'node:fs';

/** Paths already reported, so a reopen (logrotate, a second logger) does not repeat the warning. */
const warned = new Set<string>();

/**
 * Warns once per path when an open audit file grants more than `allowed` (a file created before,
 * or by someone else, e.g. 0644 under umask 022). The mode is left as it is: its owner may have
 * chosen it (a log shipper's group); an audit trail readable by every local user is reported.
 */
export function warnIfLooserThan(fd: number, path: string, allowed: number, what: string): void {
  if (warned.has(path)) return;
  let mode: number;
  try {
    mode = fstatSync(fd).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & ~allowed) === 0) return;
  warned.add(path);
  process.emitWarning(
    `${what} ${path} has mode ${octal(mode)}, looser than ${octal(allowed)}: local users may read the audit trail ` +
      `(chmod ${octal(allowed)} it)`,
    { code: 'AUDIT_FILE_MODE_LOOSE' },
  );
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
