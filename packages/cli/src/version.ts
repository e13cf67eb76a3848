import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, read from package.json next to dist/ (not compiled in, so it cannot drift). */
export function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
