// Helpers for the CLI tests: run `audit-events` in-process (run()) or as a real child process of
// bin/audit-events.cjs, seed and count events, and map dialects to the URLs the CLI takes.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { run } from '@audit-events/cli';
import { newEventId } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { MYSQL_URL, POSTGRES_URL } from '../helpers/databases.js';
import { testTempDir } from '../helpers/temp-dirs.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'packages', 'cli', 'bin', 'audit-events.cjs');
export const DAY_MS = 86_400_000;

/** A fresh empty directory: the working directory of a run, so no stray config file is found. */
export function emptyDir() {
  return testTempDir('cli-');
}

/** A stream double that records what is written; `isTTY` makes the CLI draw a progress bar. */
export class Capture {
  constructor({ isTTY = false } = {}) {
    this.text = '';
    this.isTTY = isTTY;
    this.columns = 120;
  }
  write(chunk) {
    this.text += String(chunk);
    return true;
  }
}

/**
 * Runs the CLI in-process. The environment is empty unless given, so a developer's
 * AUDIT_EVENTS_DB never leaks into a test. `signals` is an EventEmitter tests can emit SIGINT on.
 */
export async function runCli(
  args,
  { env = {}, cwd = emptyDir(), signals = new EventEmitter(), tty = false, exit } = {},
) {
  const stdout = new Capture();
  const stderr = new Capture({ isTTY: tty });
  const code = await run(['node', 'audit-events', ...args], { stdout, stderr, env, cwd, signals, exit });
  return { code, stdout: stdout.text, stderr: stderr.text, signals };
}

// The runtime's own settings pass through the otherwise empty environment: under
// scripts/with-node.sh they load native addons rebuilt for that Node version.
const RUNTIME_ENV = Object.fromEntries(
  ['NODE_OPTIONS', 'WITH_NODE_ADDONS_MANIFEST']
    .filter((k) => process.env[k] !== undefined)
    .map((k) => [k, process.env[k]]),
);

/** Starts bin/audit-events.cjs; `done` resolves with { code, signal, stdout, stderr }. */
export function spawnBin(args, { env = {}, cwd = emptyDir() } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...RUNTIME_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runBin(args, options) {
  return spawnBin(args, options).done;
}

/** The --db URL for a dialect's test database (`ctx` from forEachDialect, for the SQLite file). */
export function dbUrl(dialect, ctx) {
  // The suite's own driver: two SQLite libraries in one process must never open one file.
  if (dialect === 'sqlite')
    return `sqlite:${ctx.config.connection.filename}${ctx.driver === 'better-sqlite3' ? '?driver=better-sqlite3' : ''}`;
  return dialect === 'mysql' ? MYSQL_URL : POSTGRES_URL;
}

/** An event created `ageDays` ago. */
export function eventAged(ageDays, i = 0) {
  const time = Date.now() - ageDays * DAY_MS;
  return {
    id: newEventId(time),
    createdAt: new Date(time),
    contentType: 'shop.order',
    objectId: String(i),
    content: { n: i },
    userId: null,
    userRepr: null,
    url: null,
    method: null,
    ip: null,
    requestId: null,
    userAgent: null,
    queryParams: null,
    postData: null,
    headers: null,
  };
}

/** Saves `count` events aged `ageDays` through the real store, in chunks. */
export async function seed(knex, tables, count, ageDays) {
  const store = new KnexEventStore(knex, tables);
  try {
    for (let start = 0; start < count; start += 500) {
      const chunk = [];
      for (let i = start; i < Math.min(count, start + 500); i++) chunk.push(eventAged(ageDays, i));
      await store.save(chunk);
    }
  } finally {
    await store.close();
  }
}

export async function countRows(knex, table) {
  const [row] = await knex(table).count({ n: '*' });
  return Number(row.n);
}

/**
 * Drops tables from an `after` hook. forEachDialect destroys `ctx.knex` in its own `after`, which
 * mocha runs first, so this opens a short-lived connection of its own.
 */
export async function dropTables(ctx, ...tables) {
  if (!ctx.knex) return; // the dialect was skipped as unreachable
  const knex = knexFactory(ctx.config);
  try {
    for (const table of tables) await knex.schema.dropTableIfExists(table);
  } finally {
    await knex.destroy();
  }
}
