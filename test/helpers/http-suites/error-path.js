// The error path with the audit middleware mounted, on Express 4/5 and Koa 2/3. Every case runs on
// the same app twice, with and without the middleware: the app's own error handling must not see
// a difference (status, body, the app's headers, the value handed to error handlers and
// `app.on('error')` listeners, the thrown value's own keys afterwards) except that the request id
// header is there. The thrown value itself is never touched.
import { expect } from 'chai';
import request from 'supertest';
import { MemoryEventStore } from '@audit-events/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What an app may throw. `modes` limits a case to the framework error handlings it survives. */
export const ERROR_CASES = [
  { what: 'a thrown string', make: () => 'boom' },
  { what: 'a thrown plain object', make: () => ({ key: 'value' }) },
  { what: 'a thrown number', make: () => 42 },
  { what: 'a plain Error', make: () => new Error('plain') },
  {
    what: 'an exposed 422',
    make: () => Object.assign(new Error('Unprocessable thing'), { status: 422, expose: true }),
  },
  ...[400, 401, 403, 404, 409, 503].map((status) => ({
    what: `status ${status}`,
    make: () => Object.assign(new Error(`failed with ${status}`), { status, statusCode: status, expose: status < 500 }),
  })),
  { what: 'a non-number status', make: () => Object.assign(new Error('odd status'), { status: '418' }) },
  {
    what: 'err.headers set by the app',
    make: () =>
      Object.assign(new Error('Slow down'), {
        status: 429,
        expose: true,
        headers: { 'Retry-After': '7', 'X-App': 'mine' },
      }),
  },
  {
    what: 'err.headers naming the request id header',
    make: () => Object.assign(new Error('own id'), { headers: { 'X-Request-Id': 'app-chosen' } }),
  },
  {
    what: 'err.headers naming the request id header, with a status',
    make: () => Object.assign(new Error('own id'), { status: 502, headers: { 'X-Request-Id': 'app-chosen' } }),
  },
  { what: 'err.headers null', make: () => Object.assign(new Error('null headers'), { headers: null }) },
  {
    what: 'err.headers as a getter',
    make: () =>
      Object.defineProperty(new Error('getter'), 'headers', {
        get: () => ({ 'X-App': 'from-getter' }),
        enumerable: true,
      }),
  },
  {
    what: 'a sealed Error with headers',
    make: () => Object.seal(Object.assign(new Error('sealed'), { status: 400, headers: { 'X-App': 'sealed' } })),
  },
  // Koa's own onerror assigns err.status, which throws on a frozen error whether or not we are
  // mounted: frozen errors are an app error handler's business there.
  {
    what: 'a frozen Error with headers',
    make: () => Object.freeze(Object.assign(new Error('frozen'), { status: 409, headers: { 'X-App': 'frozen' } })),
    modes: ['app'],
  },
];

function describeValue(value) {
  if (value === null || typeof value !== 'object') return { primitive: value };
  return {
    isError: value instanceof Error,
    name: value.name,
    message: value.message,
    ownKeys: Reflect.ownKeys(value).map(String),
    own: Object.fromEntries(
      Reflect.ownKeys(value)
        .filter((k) => k !== 'stack')
        .map((k) => [String(k), structuredClone(Reflect.getOwnPropertyDescriptor(value, k).get ? 'getter' : value[k])]),
    ),
  };
}

function appHeaders(res) {
  // content-length follows the body, compared on its own (minus stack frames).
  const {
    date: _date,
    connection: _connection,
    'keep-alive': _keepAlive,
    'x-request-id': _id,
    'content-length': _length,
    ...rest
  } = res.headers;
  return rest;
}

/**
 * `framework.build({ audit, mode, make, record })` returns a listener: `mode` is 'default' (the
 * framework's own error handling) or 'app' (an error handler of the app's), `make()` the value the
 * route throws, `record(err)` called by the app's error handler or `app.on('error')` listener.
 */
export function errorPathSuite(framework) {
  describe(`${framework.name}: the error path with the audit middleware mounted`, () => {
    async function run(audit, mode, kase) {
      const state = { thrown: undefined, thrownKeys: undefined, thrownHeaders: undefined, seen: [] };
      const listener = framework.build({
        audit: audit ? { store: new MemoryEventStore() } : false,
        mode,
        make: () => {
          const value = kase.make();
          state.thrown = value;
          if (value !== null && typeof value === 'object') {
            state.thrownKeys = Reflect.ownKeys(value).map(String);
            state.thrownHeaders = Reflect.getOwnPropertyDescriptor(value, 'headers')?.value;
          }
          return value;
        },
        record: (err) => state.seen.push({ same: err === state.thrown, at: describeValue(err) }),
      });
      const res = await request(listener).get('/fail');
      const thrown = state.thrown;
      return {
        status: res.status,
        // Stack traces (Express's development error page) differ by the middleware's own frames.
        text: res.text.replace(/(<br> &nbsp; &nbsp;at [^<]*)+/g, '').replace(/\n\s+at .*/g, ''),
        headers: appHeaders(res),
        requestId: res.headers['x-request-id'],
        seen: state.seen,
        after: describeValue(thrown),
        thrownIsError: thrown instanceof Error,
        keysWhenThrown: state.thrownKeys,
        headersIdentity:
          thrown === null ||
          typeof thrown !== 'object' ||
          Reflect.getOwnPropertyDescriptor(thrown, 'headers')?.value === state.thrownHeaders,
      };
    }

    for (const mode of ['default', 'app']) {
      for (const kase of ERROR_CASES) {
        if (kase.modes && !kase.modes.includes(mode)) continue;
        it(`${mode === 'default' ? `${framework.name}'s own error handling` : "the app's error handler"}: ${kase.what}`, async () => {
          const without = await run(false, mode, kase);
          const withAudit = await run(true, mode, kase);
          // The app's response is unchanged…
          expect(withAudit.status).to.equal(without.status);
          expect(withAudit.text).to.equal(without.text);
          expect(withAudit.headers).to.deep.equal(without.headers);
          // …and carries the request id: the app's own choice when its error response names that header.
          if (without.requestId !== undefined) expect(withAudit.requestId).to.equal(without.requestId);
          else expect(withAudit.requestId, 'x-request-id on the error response').to.match(UUID);
          // Error handlers and listeners get exactly what they get without the middleware.
          expect(withAudit.seen.map((s) => s.at)).to.deep.equal(without.seen.map((s) => s.at));
          expect(withAudit.seen.map((s) => s.same)).to.deep.equal(without.seen.map((s) => s.same));
          if (withAudit.thrownIsError) {
            // An Error reaches them as the very object thrown, with exactly the own keys it was thrown with.
            expect(withAudit.seen).to.have.length(1);
            expect(withAudit.seen[0].same).to.equal(true);
            expect(withAudit.seen[0].at.ownKeys).to.deep.equal(withAudit.keysWhenThrown);
          }
          // The thrown value ends as it ends without the middleware; its headers object is the app's own.
          expect(withAudit.after).to.deep.equal(without.after);
          expect(withAudit.headersIdentity).to.equal(true);
        });
      }
    }
  });
}
