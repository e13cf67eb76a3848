// Shared by the report tests: the fixture written as a log file (with the damage a real log can
// have) and as database rows, and a headless Chromium driven through its own command-line flags.
import { execFile } from 'node:child_process';
import { accessSync, appendFileSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { FileAuditLogger } from '@audit-events/core';
import { DatabaseAuditLogger } from '@audit-events/knex';
import { fixtureEvents } from '../fixtures/report/decisions.js';
import { IN_CI } from '../helpers/databases.js';
import { testTempDir } from '../helpers/temp-dirs.js';

export function tempDir() {
  return testTempDir('report-');
}

/** Lines appended after the 105 events: two malformed (counted), a blank one (ignored), a torn last line. */
export const JUNK =
  'not json at all\n{"action":"read","note":"no timestamp, no granted"}\n\n{"timestamp":"2025-03-03T10:';

/** The fixture as FileAuditLogger writes it, plus JUNK. Returns the file's path. */
export async function writeFixtureLog(dir = tempDir()) {
  const path = join(dir, 'permission.log');
  const logger = new FileAuditLogger(path, { flushOnExit: false, reopenOnSighup: false });
  for (const event of fixtureEvents()) logger.record(event);
  await logger.close();
  appendFileSync(path, JUNK);
  return path;
}

/** The same decisions as rows of DatabaseAuditLogger's table. */
export async function seedPermissionTable(knex, tableName) {
  const logger = new DatabaseAuditLogger({ knex, tableName, flushOnExit: false });
  for (const event of fixtureEvents()) logger.record(event);
  await logger.close();
  if (logger.writtenCount !== 105) throw new Error(`seeded ${logger.writtenCount} rows, expected 105`);
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

// ---------------------------------------------------------------------------------------------
// Headless Chromium (Debian's `chromium` package), without Playwright: its own --dump-dom and
// --screenshot flags, from a child process with a fresh profile and no network features.

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** The browser binary ($CHROMIUM_BIN, else the first on PATH), or null. */
export function findChromium() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const name of CANDIDATES) {
    const path = which(name);
    if (path) return path;
  }
  return null;
}

/**
 * In a mocha `before`: the browser, or skip with the reason (outside CI only: under CI=true a
 * missing browser fails, so the HTML report can never go untested in CI by accident).
 */
export function requireChromium(context) {
  const bin = findChromium();
  if (bin) return bin;
  if (IN_CI)
    throw new Error(
      "chromium is not installed but CI=true: install Debian's `chromium` package (apt-get install -y chromium)",
    );
  console.warn(
    '      skipping: chromium is not installed (apt-get install -y chromium); the HTML report is not tested in a browser',
  );
  context.skip();
  return null;
}

function chromiumArgs(profile) {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
  ];
}

function runChromium(bin, args) {
  const profile = mkdtempSync(join(tmpdir(), 'audit-events-chromium-'));
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      [...chromiumArgs(profile), ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: 25_000 },
      (err, stdout, stderr) => {
        rmSync(profile, { recursive: true, force: true });
        if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The DOM after the page's scripts ran, serialised. */
export function dumpDom(bin, file) {
  return runChromium(bin, ['--dump-dom', `file://${file}`]);
}

/** A PNG screenshot of the page; returns the PNG's bytes. */
export async function screenshot(bin, file, width = 1100, height = 1400) {
  const png = join(tempDir(), 'shot.png');
  await runChromium(bin, [`--window-size=${width},${height}`, `--screenshot=${png}`, `file://${file}`]);
  return readFileSync(png);
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes) {
  if (bytes.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

// ---------------------------------------------------------------------------------------------
// Reading the page's numbers back: its charts and tables carry them in data-* attributes.

/** Attribute maps of every element with `marker` among its attributes (e.g. `data-bucket`). */
export function elementsWith(html, marker) {
  const out = [];
  const tag = /<([a-z0-9]+)\s([^>]*)>/gi;
  for (const m of html.matchAll(tag)) {
    if (!m[2].includes(`${marker}=`)) continue;
    const attrs = { tag: m[1].toLowerCase() };
    for (const a of m[2].matchAll(/([a-z-]+)="([^"]*)"/gi)) attrs[a[1]] = unescape(a[2]);
    out.push(attrs);
  }
  return out;
}

function unescape(text) {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
