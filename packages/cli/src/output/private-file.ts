import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';

/** Heads files: a checkpoint someone else could read or rewrite is no checkpoint. */
export const PRIVATE_MODE = 0o600;
/** Audit data meant for a group (the HTML report), like FileAuditLogger's files. */
export const GROUP_READABLE_MODE = 0o640;

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** The permission bits `path` has beyond `allowed`, or 0 (also when it does not exist). */
async function extraBits(path: string, allowed: number): Promise<{ mode: number; extra: number }> {
  try {
    const { mode } = await stat(path);
    return { mode, extra: mode & 0o777 & ~allowed };
  } catch {
    return { mode: 0, extra: 0 };
  }
}

/** Warns when an existing file is open to more than `allowed` (e.g. a heads file others can rewrite). */
export async function warnIfLooser(
  path: string,
  allowed: number,
  what: string,
  warn: (line: string) => void,
): Promise<void> {
  const { mode, extra } = await extraBits(path, allowed);
  if (extra !== 0) {
    warn(
      `${what} ${path} has mode ${octal(mode)}, looser than ${octal(allowed)}: others can read or change it (chmod ${octal(allowed).slice(1)} ${path})`,
    );
  }
}

/**
 * Writes `text` to `path` through a fresh temp file created with `mode` (exclusively: a file or
 * symlink planted at the temp name is not followed) and renamed over the target, so the result
 * has `mode` whatever the umask or the old file's mode was; a looser old file is reported.
 */
export async function writeFileWithMode(
  path: string,
  text: string,
  mode: number,
  what: string,
  warn: (line: string) => void,
): Promise<void> {
  const { mode: old, extra } = await extraBits(path, mode);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {});
    throw err;
  }
  if (extra !== 0)
    warn(`${what} ${path} had mode ${octal(old)}, looser than ${octal(mode)}: replaced, now ${octal(mode)}`);
}
