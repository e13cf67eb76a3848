// The CommonJS consumer's view: require() every package, and use the middleware with require()d
// core while an ES module import of core sees the same current context.
const { expect } = require('chai');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const PACKAGES = JSON.parse(readFileSync(join(__dirname, 'packages.json'), 'utf8'));

describe('packaging: require() from a CommonJS module', () => {
  for (const [name, expected] of Object.entries(PACKAGES)) {
    it(`require('${name}') works`, () => {
      const mod = require(name);
      for (const key of expected) expect(mod[key], `${name}.${key}`).to.be.a('function');
    });
  }

  it('import() from CommonJS yields the same objects as require()', async () => {
    const cjs = require('@audit-events/core');
    const esm = await import('@audit-events/core');
    expect(esm.AuditContext).to.equal(cjs.AuditContext);
    expect(esm.getAuditContext).to.equal(cjs.getAuditContext);
  });

  it('the require()d Express middleware sets a context visible through the ES module entry', async () => {
    const { auditContext } = require('@audit-events/express');
    const { MemoryEventStore } = require('@audit-events/core');
    const esm = await import('@audit-events/core');
    const middleware = auditContext({ store: new MemoryEventStore() });
    const req = {
      method: 'GET',
      url: '/x',
      originalUrl: '/x',
      protocol: 'http',
      ip: '127.0.0.1',
      headers: { host: 'h.example', 'x-request-id': 'cjs-req' },
      socket: { remoteAddress: '127.0.0.1' },
      app: { get: (name) => (name === 'trust proxy fn' ? () => true : undefined) }, // behind a trusted proxy: its id is adopted
      get(name) {
        return this.headers[name.toLowerCase()];
      },
      on() {},
    };
    const res = {
      headersSent: false,
      headers: {},
      setHeader(k, v) {
        this.headers[k] = v;
      },
      on() {},
    };
    const seen = await new Promise((resolve) => middleware(req, res, () => resolve(esm.getAuditContext())));
    expect(seen).to.equal(req.auditContext);
    expect(seen.requestId).to.equal('cjs-req');
    expect(seen.url).to.equal('http://h.example/x');
    expect(res.headers['x-request-id']).to.equal('cjs-req');
  });
});
