// The background worker: restores the request's audit context from the job payload and records
// its own events under it. Everything it calls (services, models) sees that context through
// getAuditContext(), as request handlers do.
import Knex from 'knex';
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditContext, getAuditContext, runWithAuditContext } from '@audit-events/core';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';

const knex = Knex(sqliteKnexConfig(workerData.dbFile));
const store = new KnexEventStore(knex);

/** Service code: no request object in sight, yet its event belongs to the original request. */
async function generateReport(reportId, month) {
  await sleep(20); // the slow part a request should not wait for
  const rows = 42;
  await getAuditContext().createEvent({ type: 'report', id: reportId }, { step: 'generated', month, rows });
}

parentPort.on('message', async (message) => {
  if (message === 'close') {
    await store.close();
    await knex.destroy();
    parentPort.close();
    return;
  }
  const job = JSON.parse(message);
  // The worker's own store; the request's id, user, URL and extra data come from the payload.
  const context = AuditContext.fromJSON(job.audit, { store });
  await runWithAuditContext(context, () => generateReport(job.reportId, job.month));
  parentPort.postMessage({ reportId: job.reportId });
});
