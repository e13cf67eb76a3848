// Permission decisions made inside Express and Koa requests carry the request's id, URL, method,
// IP and user, through the audit middleware's context.
import { expect } from 'chai';
import request from 'supertest';
import express from 'express';
import Koa from 'koa';
import { auditContext as expressAuditContext } from '@audit-events/express';
import { auditContext as koaAuditContext } from '@audit-events/koa';
import {
  MemoryAuditLogger,
  PermissionCheckError,
  configureAuditLogger,
  definePermission,
  serializeEvent,
} from '@audit-events/core';

const Project = definePermission({
  manager: 'Project',
  update: ['isAdmin', 'isSelf'],
  attributes: { budget: { update: ['isAdmin'] } },
});
const project = { id: 10, name: 'Apollo', budget: 100, creatorId: 7 };

describe('enrichment inside framework requests', () => {
  let memory;
  beforeEach(() => {
    memory = new MemoryAuditLogger();
    configureAuditLogger(memory);
  });
  afterEach(() => configureAuditLogger(null));

  it('Express: request_id, url, method, ip and the authenticated user', async () => {
    const app = express();
    app.use(expressAuditContext());
    app.use((req, _res, next) => {
      req.user = { id: 7, username: 'grace' }; // an auth middleware after the audit one
      next();
    });
    app.use(express.json());
    app.patch('/projects/:id', async (req, res) => {
      try {
        await Project.checkUpdate(project, req.body); // no user passed: it comes from the context
        res.sendStatus(204);
      } catch (err) {
        res
          .status(err instanceof PermissionCheckError ? 403 : 500)
          .json({ denied: err.denials?.map((d) => d.attribute) });
      }
    });
    const res = await request(app)
      .patch('/projects/10?tab=1')
      .set('x-request-id', 'req-abc-123')
      .send({ name: 'N', budget: 1 });
    expect(res.status).to.equal(403);
    expect(res.body.denied).to.deep.equal(['budget']);
    const events = memory.events.map((e) => serializeEvent(e));
    expect(events.map((e) => [e.attributes[0], e.granted])).to.deep.equal([
      ['name', true],
      ['budget', false],
    ]);
    for (const e of events) {
      expect(e).to.include({ user_id: '7', user_repr: 'grace', manager: 'Project' });
      // No trusted proxy: the server's id (the one echoed), the client's kept apart.
      expect(e.metadata).to.include({
        request_id: res.headers['x-request-id'],
        client_request_id: 'req-abc-123',
        method: 'PATCH',
      });
      expect(e.metadata.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/projects\/10\?tab=1$/);
      expect(e.metadata.ip).to.match(/127\.0\.0\.1$/);
    }
  });

  it('Express and Koa: getTenant and getActor reach the decisions as tenant_id and actor_type (issue 17)', async () => {
    const check = async () => {
      try {
        await Project.checkUpdate(project, { name: 'N' });
        return 204;
      } catch {
        return 403;
      }
    };
    const options = {
      getTenant: (r) => r.headers['x-tenant'] ?? null,
      getActor: (r) => (r.headers['x-api-key'] ? { type: 'api_key', id: 'key-1', repr: 'deploy key' } : null),
    };
    const app = express();
    app.use(expressAuditContext(options));
    app.patch('/p', async (_req, res) => res.sendStatus(await check()));
    const koa = new Koa();
    koa.use(
      koaAuditContext({
        ...options,
        getTenant: (ctx) => options.getTenant(ctx.request),
        getActor: (ctx) => options.getActor(ctx.request),
      }),
    );
    koa.use(async (ctx) => {
      ctx.status = await check();
    });
    const server = koa.callback();
    for (const target of [app, server]) {
      memory.clear();
      await request(target).patch('/p').set('x-tenant', 'acme').set('x-api-key', 'k');
      await request(target).patch('/p');
      expect(memory.serialized().map((e) => [e.tenant_id, e.actor_type, e.user_id])).to.deep.equal([
        ['acme', 'api_key', 'key-1'],
        [null, 'anonymous', null],
      ]);
    }
  });

  it('Koa: the same fields from ctx.state.user and the request', async () => {
    const app = new Koa();
    app.use(koaAuditContext());
    app.use(async (ctx, next) => {
      ctx.state.user = { id: 7, username: 'grace' };
      await next();
    });
    app.use(async (ctx) => {
      try {
        await Project.checkUpdate(project, { name: 'N' });
        ctx.status = 204;
      } catch {
        ctx.status = 403;
      }
    });
    const server = app.listen(0);
    let res;
    try {
      res = await request(server).patch('/projects/10').set('x-request-id', 'koa-req-1');
      expect(res.status).to.equal(204);
    } finally {
      server.close();
    }
    const [event] = memory.events.map((e) => serializeEvent(e));
    expect(event).to.include({ action: 'update', granted: true, user_id: '7', user_repr: 'grace' });
    expect(event.metadata).to.include({
      request_id: res.headers['x-request-id'],
      client_request_id: 'koa-req-1',
      method: 'PATCH',
    });
    expect(event.metadata.url).to.match(/\/projects\/10$/);
    expect(event.metadata.ip).to.match(/127\.0\.0\.1$/);
  });
});
