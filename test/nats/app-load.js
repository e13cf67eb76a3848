// HTTP load through the reliability app in Express and in Koa (real middleware, in this process),
// each app with its own JetStreamEventStore and connection, for the fault tests: it runs until
// stop(), across whatever the test does to the NATS servers meanwhile.
import { JetStreamEventStore } from '@audit-events/nats';
import { listen, runLoad } from '../helpers/http-load.js';
import { FRAMEWORKS, buildHandler } from '../fixtures/reliability/app.js';
import { sortAnswers } from './fixtures.js';

/**
 * Starts both apps and `concurrency` callers on each; `ackedSentAfter(t)` lets a test wait for
 * both apps' writes to resume after a fault instead of sleeping a guess. A caller that got an error waits 20 ms
 * before its next request, as a client backing off would. `stop()` ends the load, closes the
 * apps and their stores (once, however often called), and resolves with, per framework, the sorted answers (see sortAnswers),
 * each with `answeredAt` (performance.now()), and the slowest answer's time in ms.
 */
export async function startAppLoad({ servers, stream, publishTimeoutMs, concurrency = 5 }) {
  const apps = [];
  for (const framework of FRAMEWORKS) {
    const store = new JetStreamEventStore({ servers, stream, publishTimeoutMs });
    await store.connection();
    apps.push({ framework, store, http: await listen(buildHandler(framework, { store })) });
  }
  let stopped = false;
  const running = apps.map((app) => {
    app.ackedAt = []; // when each acknowledged request was sent, as answers come
    return runLoad({
      port: app.http.port,
      concurrency,
      until: () => stopped,
      request: (i) => ({ path: `/orders/${app.framework}-${i}` }),
      pauseAfter: (r) => {
        if (r.status === 200) app.ackedAt.push(r.sentAt);
        return r.status === 200 ? 0 : 20;
      },
    });
  });
  let stopping = null;
  async function stop() {
    stopped = true;
    const loads = await Promise.all(running);
    const out = {};
    for (const [n, app] of apps.entries()) {
      const { results } = loads[n];
      for (const r of results) r.answeredAt = r.sentAt + r.ms;
      out[app.framework] = { ...sortAnswers(results), slowestMs: Math.round(Math.max(0, ...results.map((r) => r.ms))) };
      await app.http.close();
      await app.store.close();
    }
    return out;
  }
  return {
    /** So far, the fewest requests of one app sent after `since` (performance.now()) and acknowledged. */
    ackedSentAfter: (since) => Math.min(...apps.map((app) => app.ackedAt.filter((t) => t > since).length)),
    // Idempotent, so a test's `finally` can stop a load its body already stopped.
    stop: () => (stopping ??= stop()),
  };
}
