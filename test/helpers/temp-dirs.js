// Temporary directories of one test process, all under one root that is removed when the process
// exits: a run of the suite makes hundreds of them (a working directory per CLI run, SQLite files,
// reports), and /tmp is not the place to leave them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root = null;

/** A fresh empty directory, removed with the others when this process exits. */
export function testTempDir(prefix = 'dir-') {
  if (root === null) {
    root = mkdtempSync(join(tmpdir(), 'audit-events-test-'));
    const dir = root;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return mkdtempSync(join(root, prefix));
}
