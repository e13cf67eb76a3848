import { auditContext } from '@audit-events/koa';
import { MemoryEventStore } from '@audit-events/core';
const mw = auditContext({ store: new MemoryEventStore() });
const headers = { host: '127.0.0.1:3000', 'user-agent': 'autocannon', connection: 'keep-alive' };
const mk = () => ({ method: 'GET', originalUrl: '/', url: '/', protocol: 'http', host: '127.0.0.1:3000', ip: '127.0.0.1', req: { headers }, query: {}, request: {}, state: {}, set() {} });
const next = () => Promise.resolve();
async function run(n) { for (let i = 0; i < n; i++) await mw(mk(), next); }
async function base(n) { for (let i = 0; i < n; i++) { const c = mk(); await next(); } }
for (let r = 0; r < 3; r++) {
  for (const [name, f] of [['base', base], ['mw', run]]) {
    const n = 300000; const m0 = process.memoryUsage().heapUsed; const t = process.hrtime.bigint();
    await f(n);
    const ns = Number(process.hrtime.bigint() - t) / n;
    console.log(name, ns.toFixed(0), 'ns/op');
  }
}
