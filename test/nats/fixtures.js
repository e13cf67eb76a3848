// Shared pieces of the NATS tests: events, a JetStream connection per server, row counts.
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { newEventId } from '@audit-events/core';
import { ensureAuditStream } from '@audit-events/nats';
import { NATS_AVAILABLE, startNatsServer } from './nats-server.js';
import { waitUntil } from '../helpers/wait-until.js';

export function makeEvent(overrides = {}) {
  return {
    id: newEventId(),
    createdAt: new Date(),
    contentType: 'shop.Order',
    objectId: '1',
    content: { total: 12 },
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
    ...overrides,
  };
}

export async function natsClient(url, options = {}) {
  const nc = await connect({ servers: url, ...options });
  // jetstreamManager() asks for the account's JetStream info, which a just-started cluster answers
  // only once its meta leader is elected: retried, not failed on the first timeout.
  const jsm = await waitUntil(() => jetstreamManager(nc).catch(() => null), {
    timeoutMs: 30_000,
    everyMs: 250,
    what: 'JetStream to answer',
  });
  return { nc, js: jetstream(nc), jsm };
}

/** Deletes the stream if it exists and creates it again with ensureAuditStream (default subjects `<name lowercased>.>`). */
export async function freshStream(jsm, name, subjects = [`${name.toLowerCase()}.>`]) {
  await jsm.streams.delete(name).catch(() => {});
  return ensureAuditStream(jsm, { name, subjects });
}

/** Stored rows and how many ids appear more than once (0 when exactly-once held). */
export async function rowCounts(knex, table) {
  const [{ n }] = await knex(table).count('* as n');
  const [{ d }] = await knex(table).countDistinct('id as d');
  return { rows: Number(n), duplicates: Number(n) - Number(d) };
}

export { waitUntil };

/**
 * A mocha `before` body: starts a nats-server of the suite's own and a client on it. Without the
 * server installed the suite is skipped, or fails under CI=true (a missing broker is not a pass).
 */
export async function liveNats(mochaContext) {
  if (!NATS_AVAILABLE) {
    if (process.env.CI === 'true') throw new Error('nats-server is not installed');
    mochaContext.skip();
  }
  const server = await startNatsServer();
  return { server, client: await natsClient(server.url) };
}

/** The matching `after` body; safe when `before` skipped or failed half-way. */
export async function stopNats({ server, client } = {}) {
  await client?.nc.close();
  await server?.stop();
}

/** The codes the apps answer 503 with when a JetStreamEventStore save failed (a typed store error). */
export const STORE_ERROR_CODES = new Set(['AUDIT_STORE_TIMEOUT', 'AUDIT_STORE_WRITE_FAILED']);

/**
 * Sorts runLoad results of the reliability app: `acked` (200 with the stored event's id),
 * `typed` (503 carrying a typed store error's code) and `other` (anything else: a defect).
 */
export function sortAnswers(results) {
  const sorted = { acked: [], typed: [], other: [] };
  for (const r of results) {
    if (r.status === 200 && typeof r.json?.eventId === 'string') sorted.acked.push(r);
    else if (r.status === 503 && STORE_ERROR_CODES.has(r.json?.code)) sorted.typed.push(r);
    else sorted.other.push({ i: r.i, status: r.status, body: r.error ? String(r.error) : r.text });
  }
  return sorted;
}
