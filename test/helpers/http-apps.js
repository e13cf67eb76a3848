// One app builder for the four framework majors (Express 4/5, Koa 2/3), so each audit behaviour is
// written once and checked on all of them. Parsers and the fake auth middleware are registered
// AFTER the audit middleware on purpose: capture must not depend on middleware order.
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { bodyParser } from '@koa/bodyparser';
import multer from 'multer';
import { createServer, request as httpRequest } from 'node:http';
import { getAuditContext } from '@audit-events/core';
import * as auditExpress from '@audit-events/express';
import * as auditKoa from '@audit-events/koa';

/**
 * A hand-written streaming parser of the kind that loses AsyncLocalStorage state: it calls next()
 * from the request's 'end' event. (express.json, multer and co-body wrap their callbacks with
 * AsyncResource and survive on their own; many home-grown and older parsers do not.)
 */
function naiveJsonParser(req, _res, next) {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => {
    req.body = text ? JSON.parse(text) : undefined;
    next();
  });
}

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1024 * 1024 } });

function errorBody(err) {
  return { name: err?.name, code: err?.code ?? null, message: String(err?.message ?? err), path: err?.path ?? null };
}

/**
 * spec:
 * - audit: options for auditContext(); `false` to leave the middleware out
 * - trustProxy: Express `trust proxy` / Koa `app.proxy`
 * - parsers: any of 'json', 'urlencoded', 'multipart' (registered after the audit middleware)
 * - user: (headers) => user; an auth middleware after the audit one sets req.user / ctx.state.user
 * - handler: async ({ audit, current, body, query, headers, raw }) => JSON answered with 200;
 *   a throw answers 500 with { name, code, message, path }
 */
function expressAdapter(name, express) {
  return {
    name,
    framework: 'express',
    build(spec = {}) {
      const app = express();
      if (spec.trustProxy) app.set('trust proxy', true);
      if (spec.audit !== false) app.use(auditExpress.auditContext(spec.audit ?? {}));
      for (const parser of spec.parsers ?? []) {
        if (parser === 'json') app.use(express.json({ limit: '5mb' }));
        else if (parser === 'urlencoded') app.use(express.urlencoded({ extended: true }));
        else if (parser === 'multipart') app.use(upload.any());
        else if (parser === 'naive') app.use(naiveJsonParser);
        else throw new Error(`unknown parser ${parser}`);
      }
      if (spec.user) {
        app.use((req, _res, next) => {
          req.user = spec.user(req.headers);
          next();
        });
      }
      app.use((req, res, next) => {
        const current = getAuditContext();
        Promise.resolve()
          .then(() =>
            spec.handler({
              audit: req.auditContext,
              current,
              body: req.body,
              query: req.query,
              headers: req.headers,
              raw: req,
            }),
          )
          .then((result) => res.json(result ?? null), next);
      });

      app.use((err, _req, res, _next) => res.status(500).json(errorBody(err)));
      return app;
    },
    /** An app serving auditEventsRouter(options) at /audit-events. */
    router(options) {
      const app = express();
      app.use('/audit-events', auditExpress.auditEventsRouter(options));

      app.use((err, _req, res, _next) => res.status(500).json(errorBody(err)));
      return app;
    },
    /** The same router routed with app.get() for the listing and for `/:id`, instead of mounted. */
    routed(options) {
      const app = express();
      const handler = auditExpress.auditEventsRouter(options);
      app.get('/audit-events', handler);
      app.get('/audit-events/:id', handler);
      app.use((err, _req, res, _next) => res.status(500).json(errorBody(err)));
      return app;
    },
  };
}

/** multer for Koa, as @koa/multer does it: parse ctx.req, then expose the fields as ctx.request.body. */
function koaMultipart() {
  const middleware = upload.any();
  return async (ctx, next) => {
    await new Promise((resolve, reject) => middleware(ctx.req, ctx.res, (err) => (err ? reject(err) : resolve())));
    ctx.request.body = ctx.req.body;
    await next();
  };
}

function koaErrors() {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = 500;
      ctx.body = errorBody(err);
    }
  };
}

function koaAdapter(name, Koa) {
  return {
    name,
    framework: 'koa',
    build(spec = {}) {
      const app = new Koa();
      if (spec.trustProxy) app.proxy = true;
      app.use(koaErrors());
      if (spec.audit !== false) app.use(auditKoa.auditContext(spec.audit ?? {}));
      const types = [];
      for (const parser of spec.parsers ?? []) {
        if (parser === 'json') types.push('json');
        else if (parser === 'urlencoded') types.push('form');
        else if (parser === 'multipart') app.use(koaMultipart());
        else if (parser === 'naive') {
          app.use(async (ctx, next) => {
            await new Promise((resolve) => naiveJsonParser(ctx.req, ctx.res, resolve));
            ctx.request.body = ctx.req.body;
            await next();
          });
        } else throw new Error(`unknown parser ${parser}`);
      }
      if (types.length > 0) app.use(bodyParser({ enableTypes: types, jsonLimit: '5mb' }));
      if (spec.user) {
        app.use(async (ctx, next) => {
          ctx.state.user = spec.user(ctx.headers);
          await next();
        });
      }
      app.use(async (ctx) => {
        const current = getAuditContext();
        const result = await spec.handler({
          audit: ctx.auditContext,
          state: ctx.state.auditContext,
          current,
          body: ctx.request.body,
          query: ctx.query,
          headers: ctx.headers,
          raw: ctx,
        });
        ctx.type = 'json';
        ctx.body = JSON.stringify(result ?? null); // a string, so a null result is not a 204
      });
      return app.callback();
    },
    router(options) {
      const app = new Koa();
      app.use(koaErrors());
      app.use(auditKoa.auditEventsRouter({ path: '/audit-events', ...options }));
      return app.callback();
    },
  };
}

export const EXPRESS_ADAPTERS = [expressAdapter('express4', express4), expressAdapter('express5', express5)];
export const KOA_ADAPTERS = [koaAdapter('koa2', Koa2), koaAdapter('koa3', Koa3)];
export const ALL_ADAPTERS = [...EXPRESS_ADAPTERS, ...KOA_ADAPTERS];

/** Starts `listener` on a loopback port; resolves to { url, close }. */
export function listen(listener) {
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Sends a request whose body arrives late, in two chunks, after the handler chain has started:
 * the case where body parsers resume the chain from the socket's async context. (A small body
 * sent with the headers is buffered before any listener exists and hides the problem.)
 */
export async function sendSlowly(listener, { method = 'POST', path = '/', headers = {}, body }) {
  const server = await listen(listener);
  try {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
    return await new Promise((resolve, reject) => {
      const req = httpRequest(
        `${server.url}${path}`,
        { method, headers: { ...headers, 'content-length': payload.length } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null }),
          );
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      const half = Math.floor(payload.length / 2);
      setTimeout(() => {
        req.write(payload.subarray(0, half));
        setTimeout(() => req.end(payload.subarray(half)), 15);
      }, 15);
    });
  } finally {
    await server.close();
  }
}

/** A multipart/form-data body with text fields only. */
export function multipartBody(fields) {
  const boundary = `----audit${Date.now().toString(16)}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
  };
}
