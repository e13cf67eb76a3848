// One Koa variant per process: `node koa-server.mjs <variant>`; reports its port over IPC.
import './report-cpu.mjs';
import Koa from 'koa';

const variant = process.argv[2] ?? 'bare';
const app = new Koa(variant === 'koa-als' ? { asyncLocalStorage: true } : {});

if (variant === 'audit-context' || variant === 'audit-context/no-echo') {
  const { auditContext } = await import('@audit-events/koa');
  const { MemoryEventStore } = await import('@audit-events/core');
  // no-echo: the same middleware without the X-Request-Id response header (setRequestIdHeader: false).
  const setRequestIdHeader = variant === 'audit-context';
  app.use(auditContext({ store: new MemoryEventStore(), setRequestIdHeader }));
} else if (variant === 'als+id') {
  // The least any request-id middleware does: an AsyncLocalStorage run, a UUIDv7 and its header.
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const { newEventId } = await import('@audit-events/core');
  const storage = new AsyncLocalStorage();
  app.use((ctx, next) => {
    const id = newEventId();
    ctx.res.setHeader('X-Request-Id', id);
    return storage.run(id, next);
  });
} else if (variant !== 'bare' && variant !== 'koa-als') {
  throw new Error(`unknown variant ${variant}`);
}

app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // the load generator is done: do not wait for its keep-alive sockets
});
