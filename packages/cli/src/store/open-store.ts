import knexFactory from 'knex';
import type { Knex } from 'knex';
import { ConfigurationError, DatabaseUnreachableError } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import type { ResolvedSettings } from '../config/config.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../config/db-url.js';
import type { CliStore } from './store-contract.js';
import { firstLine } from '../output/error-text.js';

export interface OpenedStore {
  store: CliStore;
  knex: Knex;
  /** The tables the store works on (the defaults when none was named), for messages. */
  table: string;
  archiveTable: string;
  /** Closes the store and the connection pool; never throws, never hangs past a few seconds. */
  close(): Promise<void>;
}

/**
 * Opens the store the settings describe. Table names are checked by the store's constructor
 * before any SQL; then one `select 1` proves the database answers, so an unreachable server is
 * reported as such (naming host:port, never the password) instead of as a failed migration.
 */
export async function openStore(
  settings: ResolvedSettings,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  warn: (line: string) => void = () => {},
): Promise<OpenedStore> {
  const { target } = settings;
  let knex: Knex;
  try {
    knex = knexFactory({ log: knexLog(warn), ...target.knexConfig });
  } catch (err) {
    // Typically a driver that is not installed (`npm install pg`).
    throw new ConfigurationError('db', `cannot set up ${target.display}: ${firstLine(err)}`, { cause: err });
  }

  let store: CliStore;
  try {
    const options: { tableName?: string; archiveTableName?: string } = {};
    if (settings.table !== undefined) options.tableName = settings.table;
    if (settings.archiveTable !== undefined) options.archiveTableName = settings.archiveTable;
    store = new KnexEventStore(knex, options);
  } catch (err) {
    await destroy(knex);
    throw err;
  }

  try {
    await probe(knex, connectTimeoutMs + 2000);
  } catch (err) {
    await destroy(knex);
    throw new DatabaseUnreachableError(target.display, reasonOf(err, connectTimeoutMs), { cause: err });
  }

  let closed = false;
  return {
    store,
    knex,
    table: store.tableName,
    archiveTable: store.archiveTableName,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await store.close();
      } catch {
        // Closing after a failure may fail again; the first error is the one worth reporting.
      }
      await destroy(knex);
    },
  };
}

/**
 * Knex logs to the console by default, bypassing redaction, and repeats connection errors this
 * command reports itself. Its other warnings go to stderr through `warn` (which redacts).
 */
function knexLog(warn: (line: string) => void): Knex.Config['log'] {
  const sink = (message: unknown): void => {
    const text = typeof message === 'string' ? message : message instanceof Error ? message.message : String(message);
    if (text.startsWith('Acquire connection error')) return;
    warn(`knex: ${firstLine(text)}`);
  };
  return { warn: sink, error: sink, deprecate: sink, debug: () => {} };
}

async function probe(knex: Knex, guardMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${guardMs / 1000} s`)), guardMs);
  });
  try {
    await Promise.race([knex.raw('select 1'), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** knex.destroy, bounded: a pool stuck on a dead host must not keep the command alive. */
async function destroy(knex: Knex): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    knex.destroy().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 3000);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** A one-line reason for a failed connection; drivers' errors vary and some are empty. */
function reasonOf(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; code?: string; errors?: unknown[] };
  if (e?.name === 'KnexTimeoutError') return `no connection within ${timeoutMs / 1000} s (timed out)`;
  let message = firstLine(err);
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an empty AggregateError.
  if (message === '' && Array.isArray(e?.errors)) {
    message = [...new Set(e.errors.map((inner) => firstLine(inner)).filter(Boolean))].join('; ');
  }
  if (message === '') message = e?.code ?? 'unknown error';
  if (/timeout|timed out|ETIMEDOUT/i.test(message) && !/\d s\)/.test(message))
    message += ` (after ${timeoutMs / 1000} s)`;
  return message;
}
