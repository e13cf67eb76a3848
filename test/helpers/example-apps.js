// Runs an example app (examples/<name>/src/main.js) as its own process on a free port with a
// throw-away SQLite file, the way `npm start` runs it, and stops it with SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode } from './child-process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function startExample(name, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), `audit-example-${name}-`));
  const proc = startNode(join(root, 'examples', name, 'src', 'main.js'), [], {
    env: { PORT: '0', AUDIT_DB: join(dir, 'audit.db'), ...env },
  });
  const line = await proc.waitFor(/listening on http:\/\//);
  if (line === null) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`example ${name} did not start: ${proc.stderr()}`);
  }
  return {
    url: /(http:\/\/[^\s]+)/.exec(line)[1],
    proc,
    /** SIGTERM, then the exit status; the temp database is removed. */
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
      const status = await proc.exited;
      rmSync(dir, { recursive: true, force: true });
      return status;
    },
  };
}

/** Runs an example that finishes on its own; resolves to { code, stdout, stderr }. */
export async function runExample(name, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), `audit-example-${name}-`));
  try {
    const proc = startNode(join(root, 'examples', name, 'src', 'main.js'), [], {
      env: { AUDIT_DB: join(dir, 'audit.db'), ...env },
    });
    const { code } = await proc.exited;
    return { code, stdout: proc.lines.join('\n'), stderr: proc.stderr() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
