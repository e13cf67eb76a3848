// db-logger: DatabaseAuditLogger events/s on each dialect vs a raw knex multi-row INSERT of the same
// rows with the same batch size (what a hand-written batch writer would cost at best).
import { configureAuditLogger, emitPermissionAuditEvent, newEventId } from '@audit-events/core';
import { DatabaseAuditLogger } from '@audit-events/knex';
import { BENCH_DIALECTS, benchKnexConfig, openKnex } from '../lib/databases.mjs';
import { chunked, interleave, opsPerSecond } from '../lib/timing.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

const BATCH = 500;
const decision = (i) => ({
  action: 'update',
  attributes: ['status'],
  granted: i % 10 !== 0,
  bypassed: false,
  manager: 'Order',
  user: { id: String(i % 100), repr: `user${i % 100}` },
  permissions: ['isAdmin', 'isSelf'],
  metadata: { tenant: 'acme' },
});

/**
 * The row a hand-written batch writer would build from a decision at the moment it is made: the
 * same columns and values as the logger's, without its validation, masking or request enrichment.
 * Like the logger's, it carries a unique event id and skips a replayed one (ON CONFLICT DO NOTHING
 * / INSERT IGNORE), so a retried batch is never stored twice: the baseline is an exactly-once writer.
 */
function rawRow(d, dialect) {
  const ts = new Date();
  return {
    event_id: newEventId(ts.getTime()),
    timestamp: dialect === 'postgres' ? ts : ts.toISOString().replace('T', ' ').slice(0, 23),
    action: d.action,
    attributes: JSON.stringify(d.attributes),
    granted: d.granted,
    bypassed: d.bypassed,
    manager: d.manager,
    user_id: d.user.id,
    user_repr: d.user.repr,
    actor_type: 'user',
    permissions: JSON.stringify(d.permissions),
    metadata: JSON.stringify(d.metadata),
  };
}

export async function dbLogger({ quick }) {
  const n = quick ? 5_000 : 100_000;
  const runs = quick ? 2 : 5;
  const dialects = quick ? ['sqlite'] : BENCH_DIALECTS;
  const rows = [];
  for (const dialect of dialects) {
    const knex = await openKnex(benchKnexConfig(dialect, 'db-logger'));
    const ours = 'bench_perm_ours';
    const raw = 'bench_perm_raw';
    try {
      for (const t of [ours, raw]) await knex.schema.dropTableIfExists(t);
      // Both tables come from the logger's own DDL so the comparison is row for row.
      for (const t of [ours, raw])
        await new DatabaseAuditLogger({ knex, tableName: t, flushOnExit: false, handleSignals: false }).ensureTable();
      const samples = await interleave(
        {
          raw: async () => {
            await knex(raw).delete();
            // Rows are built as the decisions come (as ours are), then inserted BATCH at a time.
            return opsPerSecond(n, async () => {
              for (let i = 0; i < n; i += BATCH) {
                const batch = [];
                for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(rawRow(decision(j), dialect));
                await knex(raw).insert(batch).onConflict('event_id').ignore();
              }
            });
          },
          ours: async () => {
            await knex(ours).delete();
            const logger = new DatabaseAuditLogger({
              knex,
              tableName: ours,
              batchSize: BATCH,
              maxQueueSize: n,
              flushOnExit: false,
              handleSignals: false,
            });
            await configureAuditLogger(logger, { closePrevious: false });
            const rate = await opsPerSecond(n, async () => {
              await chunked(n, (i) => emitPermissionAuditEvent(() => decision(i)));
              await logger.flush();
            });
            await configureAuditLogger(null, { closePrevious: false });
            await logger.close();
            const [{ c }] = await knex(ours).count({ c: '*' });
            if (Number(c) !== n || logger.droppedCount !== 0)
              throw new Error(`${dialect}: stored ${c} of ${n}, dropped ${logger.droppedCount}`);
            return rate;
          },
        },
        runs,
      );
      rows.push({ name: `${dialect} raw insert`, unit: 'events/s', ...summarize(samples.raw) });
      rows.push({
        name: `${dialect} DatabaseAuditLogger`,
        unit: 'events/s',
        ...summarize(samples.ours),
        baseline: `${dialect} raw insert`,
        target: 0.9,
      });
    } finally {
      for (const t of [ours, raw]) await knex.schema.dropTableIfExists(t).catch(() => {});
      await knex.destroy();
    }
  }
  return finishSuite('db-logger', rows, [
    `${n.toLocaleString('en-US')} events per run, batch size ${BATCH}, ${runs} interleaved runs; both build each row from its decision inside the timing (raw: a hand-written mapping; ours: validation, masking, request enrichment, queueing) and include the final flush`,
  ]);
}
