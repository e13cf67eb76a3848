// Hostile input (fast-check): arbitrary nested JSON bodies, form bodies, query strings and header
// values, with secrets planted under sensitive keys (mixed case, at any depth, in arrays) and
// prototype-pollution keys anywhere. For every request, on Express and Koa over real HTTP:
// - the app answers 2xx or 4xx, never 5xx, and stays up;
// - the stored row, read back from the database, holds no planted secret in any column;
// - the stored request id is the server's own UUID (no trusted proxy in front) and is the one
//   echoed in the response;
// - the client IP is the socket's, whatever X-Forwarded-For says (no trust proxy);
// and after all runs: no secret in the permission NDJSON file, no global prototype polluted.
// Issue 16 added: look-alike spellings of sensitive keys (Cyrillic, Greek, fullwidth, long s) and
// the newly masked names, name/value pair arrays and objects, secret values under innocuous keys,
// string bodies (JSON, form and free text sent as text/plain), and deep bodies on MariaDB (which
// stores at most 31 nested levels: a deeper body used to fail the event with a 503).
import { expect } from 'chai';
import fc from 'fast-check';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configureAuditLogger, FileAuditLogger } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, tempDir, uniqueTable } from '../helpers/databases.js';
import { listen, send } from '../helpers/http-load.js';
import { buildHandler, FRAMEWORKS } from '../fixtures/reliability/app.js';
import { dropTables, json } from './support.js';
import {
  CAPTURE_ALL,
  MARK,
  metadataWithInput,
  PROTO_KEYS,
  prototypeSnapshot,
  SENSITIVE_KEYS,
  UUID,
} from './hostile-support.js';

const PROPERTY_RUNS = 300;

// ---- arbitraries -------------------------------------------------------------------------------

const marker = fc.nat().map((n) => `${MARK}${n}`);
/** Card numbers planted as values (digits cannot carry MARK): none may be stored, in any spelling. */
const CARDS = ['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005'];
const CARD_TRACES = ['41111111111', '4111 1111 1111', '4111%201111', '4111+1111', '5555-5555-5555', '37828224631'];
function expectNoCard(text, what) {
  for (const trace of CARD_TRACES) expect(text, `${what}: card number ${trace}…`).not.to.include(trace);
}
/** Names masked since issue 16. */
const NEW_SENSITIVE_KEYS = [
  'pass',
  'passphrase',
  'passcode',
  'credentials',
  'bearer',
  'jwt',
  'encryption_key',
  'signing_key',
  'hmac_key',
  'totp',
  'mfa_code',
  'code',
  'recovery_codes',
  'cvv2',
  'security_code',
  'iban',
  'account_number',
  'social_security_number',
  'sid',
  'csrf',
  'sig',
];
/** Latin letters and look-alikes a client may use instead: Cyrillic, Greek, fullwidth, long s. */
const LOOK_ALIKES = {
  a: ['\u0430', '\u03b1', '\uff41'],
  c: ['\u0441', '\uff43'],
  e: ['\u0435', '\u03b5', '\uff45'],
  o: ['\u043e', '\u03bf', '\uff4f'],
  p: ['\u0440', '\u03c1', '\uff50'],
  s: ['\u0455', '\u017f', '\uff53'],
  i: ['\u0456', '\u03b9', '\uff49'],
  k: ['\u043a', '\u03ba', '\uff4b'],
};
/** `key` with some of its letters swapped for look-alikes. */
const lookAlike = (key) =>
  fc
    .array(fc.nat(), { minLength: key.length, maxLength: key.length })
    .map((picks) =>
      [...key]
        .map((ch, i) =>
          LOOK_ALIKES[ch] && picks[i] % 2 === 0 ? LOOK_ALIKES[ch][picks[i] % LOOK_ALIKES[ch].length] : ch,
        )
        .join(''),
    );
const sensitiveKey = fc.oneof(
  fc.constantFrom(...SENSITIVE_KEYS, ...NEW_SENSITIVE_KEYS).chain((key) => fc.mixedCase(fc.constant(key))),
  fc.constantFrom(...SENSITIVE_KEYS, ...NEW_SENSITIVE_KEYS).chain(lookAlike),
);
/** Secrets that are recognisable by their value, whatever key they sit under. */
const JWT_HEAD = 'eyJhbGciOiJIUzI1NiJ9';
const secretLooking = fc.oneof(
  marker.map((m) => `${JWT_HEAD}.eyJzdWIiOiIxIn0.${m}`),
  marker.map((m) => `Bearer ${m}abcdefgh`),
  fc.constantFrom(...CARDS),
);
const protoKey = fc.constantFrom(...PROTO_KEYS);
const plainText = fc.string({ maxLength: 12 }).filter((s) => !s.includes(MARK));
/** Anything under a sensitive key: a string, a list, an object — all of it must be masked. */
const secretValue = fc.oneof(
  marker,
  fc.array(marker, { minLength: 1, maxLength: 3 }),
  fc.array(fc.tuple(plainText, marker), { minLength: 1, maxLength: 3 }).map(objectOf),
);
const leaf = fc.oneof(plainText, fc.integer(), fc.boolean(), fc.constant(null));

/** Builds an object keeping `__proto__` & co. as own data keys, as JSON.parse does. */
function objectOf(entries) {
  const out = {};
  for (const [key, value] of entries)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Name/value pairs as form libraries and URLSearchParams entries spell them. */
const pairShape = fc.oneof(
  fc.tuple(sensitiveKey, marker).map(([name, value]) => [[name, value]]),
  fc
    .tuple(fc.constantFrom('name', 'key', 'field', 'param'), sensitiveKey, fc.constantFrom('value', 'val'), marker)
    .map(([n, name, v, value]) =>
      objectOf([
        [n, name],
        [v, value],
      ]),
    ),
);

const { object: jsonObject, array: jsonArray } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array'), pairShape),
  object: fc
    .array(
      fc.oneof(
        fc.tuple(plainText, tie('value')),
        fc.tuple(protoKey, tie('value')),
        fc.tuple(sensitiveKey, secretValue),
        fc.tuple(plainText, secretLooking),
      ),
      { maxLength: 5 },
    )
    .map(objectOf),
  array: fc.array(tie('value'), { maxLength: 4 }),
}));

/** Query/form pairs: flat keys, bracketed nesting (`a[b][cvv]`), arrays (`token[]`), pollution. */
const pair = fc.oneof(
  fc.tuple(plainText, plainText),
  fc.tuple(sensitiveKey, marker),
  fc.tuple(
    fc.tuple(plainText, sensitiveKey).map(([a, s]) => `${a}[${s}]`),
    marker,
  ),
  fc
    .constantFrom(['card', 'number'], ['api', 'key'], ['private', 'key'], ['oauth', 'code'])
    .chain(([a, b]) => fc.tuple(fc.constant(`${a}[${b}]`), marker)),
  fc.tuple(
    sensitiveKey.map((s) => `user[${s}`),
    marker,
  ), // unclosed bracket
  fc.tuple(plainText, secretLooking),
  fc.tuple(
    fc.tuple(plainText, plainText, sensitiveKey).map(([a, b, s]) => `${a}[${b}][${s}]`),
    marker,
  ),
  fc.tuple(
    sensitiveKey.map((s) => `${s}[]`),
    marker,
  ),
  fc.tuple(
    protoKey.map((p) => `${p}[polluted]`),
    fc.constant('yes'),
  ),
  fc.tuple(fc.constant('constructor[prototype][polluted]'), fc.constant('yes')),
);
const pairs = fc.array(pair, { maxLength: 6 });
function encodePairs(list, rawBrackets) {
  const enc = (s) =>
    rawBrackets ? encodeURIComponent(s).replace(/%5B/g, '[').replace(/%5D/g, ']') : encodeURIComponent(s);
  return list.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/** Header values a client can send: no CR, LF or NUL; latin1 beyond ASCII included. */
const headerChar = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));
const headerValue = fc.string({ unit: headerChar, maxLength: 64 }).filter((s) => !s.includes(MARK));
const requestId = fc.oneof(
  headerValue,
  fc.string({ unit: headerChar, minLength: 100, maxLength: 2000 }),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/),
  fc.constantFrom('<script>alert(1)</script>', 'a b', '../../etc/passwd', "' or 1=1 --", '%0d%0aSet-Cookie: x=1'),
);
const ipish = fc.oneof(fc.ipV4(), fc.ipV6(), headerValue, fc.constant('1.2.3.4, 10.0.0.1'));

const body = fc.oneof(
  fc.oneof(jsonObject, jsonArray).map((v) => ({ type: 'application/json', text: JSON.stringify(v) })),
  fc
    .tuple(pairs, fc.boolean())
    .map(([p, raw]) => ({ type: 'application/x-www-form-urlencoded', text: encodePairs(p, raw) })),
  // Text has no keys to mask: only plain text is sent, to check robustness.
  plainText.map((t) => ({ type: 'text/plain', text: t })),
  // Not JSON at all: the parser's 400.
  fc.string({ maxLength: 20 }).map((t) => ({ type: 'application/json', text: `{${t}` })),
  fc.constant(null),
);

const hostileRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
  query: fc.tuple(pairs, fc.boolean()).map(([p, raw]) => encodePairs(p, raw)),
  body,
  headers: fc.record(
    {
      'x-request-id': requestId,
      'x-forwarded-for': ipish,
      'x-forwarded-host': headerValue,
      'x-api-key': marker,
      authorization: marker.map((m) => `Bearer ${m}`),
      cookie: marker.map((m) => `sid=${m}; theme=dark`),
      'x-auth-token': marker,
      'x-team': headerValue,
      'user-agent': headerValue,
      'x-user': headerValue,
    },
    { requiredKeys: [] },
  ),
});

// ---- the test ----------------------------------------------------------------------------------

forEachDialect(
  'reliability: hostile input (property runs)',
  (ctx) => {
    const tables = [];
    afterEach(async () => {
      await configureAuditLogger(null);
      await dropTables(ctx.knex, tables);
    });

    for (const framework of FRAMEWORKS) {
      it(`${framework}: ${PROPERTY_RUNS} arbitrary requests → never a 5xx, no secret stored at any depth, ids sanitised, no pollution`, async function () {
        this.timeout(60_000);
        const tableName = uniqueTable('rl_host');
        tables.push(tableName, `${tableName}_arc`);
        const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
        await store.migrate();
        const file = join(tempDir(), `${tableName}.ndjson`);
        const logger = new FileAuditLogger(file);
        await configureAuditLogger(logger);
        const before = prototypeSnapshot();
        const app = await listen(buildHandler(framework, { store, audit: CAPTURE_ALL, metadata: metadataWithInput }));
        const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
        const statuses = {};
        try {
          await fc.assert(
            fc.asyncProperty(hostileRequest, async (req) => {
              const headers = { ...req.headers };
              if (req.body) headers['content-type'] = req.body.type;
              const path = `/orders/42${req.query ? `?${req.query}` : ''}`;
              const res = await send(app.port, agent, 0, { method: req.method, path, headers, body: req.body?.text });
              statuses[res.status] = (statuses[res.status] ?? 0) + 1;
              expect(res.status, res.text).to.be.within(200, 499);
              if (res.status !== 200) return;
              const rows = await ctx.knex(tableName).where('id', res.json.eventId).select('*');
              expect(rows).to.have.length(1);
              const [row] = rows;
              expect(JSON.stringify(row), 'a planted secret reached the event row').not.to.include(MARK);
              expectNoCard(JSON.stringify(row), 'event row');
              expect(row.request_id).to.equal(res.headers['x-request-id']).and.to.equal(res.json.requestId);
              // HTTP drops a header value's leading and trailing spaces and tabs before the app sees it.
              const raw = headers['x-request-id'];
              const sent = typeof raw === 'string' ? raw.replace(/^[ \t]+|[ \t]+$/g, '') : raw;
              expect(row.request_id).to.match(UUID); // no trusted proxy: never the client's
              const kept = json(row.content).client_request_id;
              if (typeof sent === 'string' && /^[\x20-\x7e]{1,128}$/.test(sent)) expect(kept).to.equal(sent);
              else expect(kept).to.equal(undefined);
              expect(row.ip).to.equal('127.0.0.1');
              expect(row.url.startsWith(`http://127.0.0.1:${app.port}/orders/42`), row.url).to.equal(true);
            }),
            { numRuns: PROPERTY_RUNS, endOnFailure: true },
          );
        } finally {
          agent.destroy();
          await app.close();
          await logger.close();
        }
        expect(statuses['200'] ?? 0, JSON.stringify(statuses)).to.be.above(PROPERTY_RUNS / 4);
        const log = readFileSync(file, 'utf8');
        expect(log.split('\n').filter(Boolean).length, JSON.stringify(statuses)).to.equal(statuses['200']);
        expect(log, 'a planted secret reached the permission log').not.to.include(MARK);
        expectNoCard(log, 'permission log');
        expect(JSON.stringify(await ctx.knex(tableName).select('*'))).not.to.include(MARK);
        expect(prototypeSnapshot()).to.deep.equal(before);
        expect({}.polluted).to.equal(undefined);
        this.test.title += ` [${JSON.stringify(statuses)}]`;
      });
    }
  },
  { dialects: ['sqlite'] },
);

// ---- string bodies and deep bodies -------------------------------------------------------------

/** Bodies sent as text/plain: JSON and form text (parsed and masked), free text (a length marker). */
const textBody = fc.oneof(
  fc.oneof(jsonObject, jsonArray).map((v) => JSON.stringify(v)),
  fc.tuple(pairs, fc.boolean()).map(([p, raw]) => encodePairs(p, raw)),
  fc.tuple(plainText, marker, plainText).map(([a, m, b]) => `${a} my password is ${m} ${b}`),
  fc.tuple(plainText, secretLooking).map(([a, secret]) => `${a} ${secret}`),
);

/** A chain of `depth` objects/arrays with planted secrets along the way. */
const deepBody = fc
  .tuple(
    fc.integer({ min: 20, max: 80 }),
    fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
    sensitiveKey,
    marker,
    plainText,
  )
  .map(([depth, arrays, key, secret, text]) => {
    let inner = objectOf([
      [key, secret],
      ['leaf', text],
    ]);
    for (let level = depth - 1; level >= 1; level--) {
      inner = arrays[level]
        ? [inner, objectOf([[key, `${secret}-${level}`]])]
        : objectOf([
            ['next', inner],
            [key, `${secret}-${level}`],
            ['n', level],
          ]);
    }
    return inner;
  });

/** Depth of a stored JSON value in containers (the root object is 1). */
function containerDepth(value) {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value))
    deepest = Math.max(deepest, containerDepth(child));
  return deepest + 1;
}

/** One property run per request: 200, the event stored, no planted secret or card number in it. */
async function runBodies(ctx, tables, framework, arbitrary, runs, check) {
  const tableName = uniqueTable('rl_hbody');
  tables.push(tableName, `${tableName}_arc`);
  const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
  await store.migrate();
  // No permission metadata here: this property is about what request capture stores.
  const app = await listen(buildHandler(framework, { store, audit: CAPTURE_ALL, bodyLimit: '1mb' }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ type, text }) => {
        const res = await send(app.port, agent, 0, {
          method: 'POST',
          path: '/orders/7',
          headers: { 'content-type': type },
          body: text,
        });
        expect(res.status, res.text).to.equal(200);
        const rows = await ctx.knex(tableName).where('id', res.json.eventId).select('*');
        expect(rows).to.have.length(1);
        const stored = JSON.stringify(rows[0]);
        expect(stored, 'a planted secret reached the event row').not.to.include(MARK);
        expectNoCard(stored, 'event row');
        check?.(json(rows[0].post_data));
      }),
      { numRuns: runs, endOnFailure: true },
    );
  } finally {
    agent.destroy();
    await app.close();
  }
}

forEachDialect(
  'reliability: hostile string bodies (property runs)',
  (ctx) => {
    const tables = [];
    afterEach(async () => {
      await dropTables(ctx.knex, tables);
    });
    for (const framework of FRAMEWORKS) {
      it(`${framework}: text/plain bodies (JSON, form, free text with secrets) are stored masked or as a length marker`, async function () {
        this.timeout(60_000);
        await runBodies(
          ctx,
          tables,
          framework,
          textBody.map((text) => ({ type: 'text/plain', text })),
          150,
          (post) => {
            if (post !== null && post._text === true)
              expect(Object.keys(post).sort()).to.deep.equal(['_text', 'bytes']);
          },
        );
      });
    }
  },
  { dialects: ['sqlite'] },
);

forEachDialect(
  'reliability: hostile deep bodies (property runs)',
  (ctx) => {
    const tables = [];
    afterEach(async () => {
      await dropTables(ctx.knex, tables);
    });
    for (const framework of FRAMEWORKS) {
      it(`${framework}: JSON bodies nested 20-80 levels are always stored (at most 31 levels), secrets masked`, async function () {
        this.timeout(120_000);
        const asJson = deepBody.map((v) => ({ type: 'application/json', text: JSON.stringify(v) }));
        const asText = deepBody.map((v) => ({ type: 'text/plain', text: JSON.stringify(v) }));
        await runBodies(ctx, tables, framework, fc.oneof(asJson, asText), 40, (post) => {
          expect(containerDepth(post)).to.be.at.most(31);
        });
      });
    }
  },
  { dialects: ['mysql', 'sqlite'] },
);
