// Child-process fixtures that talk in stdout lines: start one, wait for a line, collect the exit.
import { spawn } from 'node:child_process';

/**
 * Starts `node file ...args`. Returns { child, lines, stderr(), exited, waitFor(pattern), send(line) }:
 * `exited` resolves to { code, signal }; `waitFor(pattern, count)` resolves to the count-th stdout
 * line matching `pattern`, or null if the process exits first. With `stdin: true` the child's stdin
 * is a pipe and `send(line)` writes one line to it (otherwise stdin is closed and send throws).
 */
export function startNode(file, args = [], { env, stdin = false } = {}) {
  const child = spawn(process.execPath, [file, ...args], {
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  const lines = [];
  const waiters = new Set();
  let buffer = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf('\n')) !== -1) {
      lines.push(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
    }
    for (const wake of [...waiters]) wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let done = false;
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      for (const wake of [...waiters]) wake();
      resolve({ code, signal });
    }),
  );
  /** The `count`-th stdout line matching `pattern` (default the first), or null after exit. */
  async function waitFor(pattern, count = 1) {
    for (;;) {
      const matching = lines.filter((l) => pattern.test(l));
      if (matching.length >= count) return matching[count - 1];
      if (done) return null;
      await new Promise((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    }
  }
  function send(line) {
    if (!stdin) throw new Error('startNode: send() needs { stdin: true }');
    child.stdin.write(`${line}\n`);
  }
  // A child that exits before reading everything sent must not crash the test with EPIPE.
  if (stdin) child.stdin.on('error', () => {});
  return { child, lines, stderr: () => stderr, exited, waitFor, send };
}
