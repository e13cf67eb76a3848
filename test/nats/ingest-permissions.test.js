// Permission decisions through JetStream, live: JetStreamAuditLogger → stream → `audit-events
// ingest` workers → the permission table, exactly once even when a worker is SIGKILLed mid-ingest;
// poison decisions go to the dead-letter subject with their reason; with --integrity each worker
// chains the decision rows it writes and `audit-events verify --permission-table` passes.
import { expect } from 'chai';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { createPermissionAuditEvent } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { JetStreamAuditLogger, decodeDecision, ensureAuditStream } from '@audit-events/nats';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dbUrl, runBin } from '../cli/harness.js';
import { startIngestWorker } from './workers.js';
import { liveNats, stopNats, waitUntil } from './fixtures.js';

const TOTAL = 1500;

async function decisionCounts(knex, table) {
  const [{ n }] = await knex(table).count('* as n');
  const [{ d }] = await knex(table).countDistinct('event_id as d');
  return { rows: Number(n), duplicates: Number(n) - Number(d) };
}

function decision(i) {
  return createPermissionAuditEvent({
    action: i % 4 === 0 ? 'update' : 'read',
    attributes: i % 4 === 0 ? ['status'] : [],
    granted: i % 5 !== 0,
    manager: 'Order',
    user: { id: String(i % 40), repr: `user${i % 40}` },
    permissions: ['isOwner'],
    metadata: { order: i, password: 'hunter2' },
    tenantId: `t${i % 3}`,
  });
}

describe('@audit-events/nats ingest of permission decisions (live nats-server, CLI workers)', function () {
  let server;
  let client;
  before(async function () {
    ({ server, client } = await liveNats(this));
  });
  after(() => stopNats({ server, client }));

  it('decodeDecision takes back what JetStreamAuditLogger publishes and refuses what is not a decision', () => {
    const made = decision(3);
    const wire = Buffer.from(
      JSON.stringify({
        event_id: '01900000-0000-7000-8000-000000000001',
        timestamp: '2026-01-02T03:04:05.678+00:00',
        action: 'read',
        attributes: [],
        granted: true,
        bypassed: false,
        manager: 'Order',
        user_id: '3',
        user_repr: 'user3',
        user: null,
        tenant_id: 'acme',
        actor_type: 'service',
        permissions: ['isOwner'],
        metadata: { order: 3 },
      }),
    );
    const decoded = decodeDecision(wire);
    expect(decoded.ok, decoded.reason).to.equal(true);
    expect(decoded.id).to.equal('01900000-0000-7000-8000-000000000001');
    expect(decoded.event).to.include({ action: 'read', granted: true, bypassed: false, manager: 'Order' });
    expect(decoded.event.user).to.deep.equal({ id: '3', repr: 'user3' });
    expect(decoded.event).to.include({
      id: '01900000-0000-7000-8000-000000000001',
      tenantId: 'acme',
      actorType: 'service',
    });
    expect(decoded.event.timestamp.toISOString()).to.equal('2026-01-02T03:04:05.678Z');
    expect(made.action).to.equal('read');
    const bad = (value) => decodeDecision(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
    expect(bad('{ nope').reason).to.match(/^not valid JSON/);
    expect(bad([]).reason).to.match(/JSON object/);
    const good = JSON.parse(wire.toString());
    expect(bad({ ...good, event_id: 'X' }).reason).to.match(/event_id/);
    expect(bad({ ...good, action: 'drop' }).reason).to.match(/action must be one of/);
    expect(bad({ ...good, granted: 'yes' }).reason).to.match(/granted must be a boolean/);
    expect(bad({ ...good, attributes: [1] }).reason).to.match(/attributes must be a list of strings/);
    expect(bad({ ...good, user_id: {} }).reason).to.match(/user_id must be a string or null/);
    expect(bad({ ...good, metadata: [1] }).reason).to.match(/metadata must be an object/);
    expect(bad({ ...good, actor_type: 7 }).reason).to.match(/actor_type must be a string or null/);
    expect(bad({ ...good, actor_type: 'robot' }).reason).to.match(/^schema: .*actorType/);
    expect(bad({ ...good, timestamp: 'yesterday' }).reason).to.match(/timestamp/);
    expect(bad({ ...good, timestamp: '2026-01-02T03:04:05' }).reason, 'no offset').to.match(/timestamp/);
  });

  forEachDialect('JetStreamAuditLogger → JetStream → ingest → permission table', (ctx, dialect) => {
    it(`stores every decision exactly once across a worker SIGKILL; poison is dead-lettered`, async function () {
      this.timeout(120_000);
      const stream = `PERMS_${dialect.toUpperCase()}_${Date.now().toString(36).toUpperCase()}`;
      const prefix = stream.toLowerCase();
      await ensureAuditStream(client.jsm, { name: stream, subjects: [`${prefix}.>`, `${prefix}-dead`] });
      const events = uniqueTable('pev');
      const table = uniqueTable('perm');
      await new KnexEventStore(ctx.knex, { tableName: events, archiveTableName: `${events}_a` }).migrate();
      const logger = new JetStreamAuditLogger({
        nc: client.nc,
        stream,
        subjectPrefix: `${prefix}.permissions`,
        batchSize: 200,
        flushOnExit: false,
        handleSignals: false,
      });
      const options = {
        url: server.url,
        stream,
        prefix: `${prefix}.events`,
        deadLetter: `${prefix}-dead`,
        db: dbUrl(dialect, ctx),
        table: events,
        batchSize: 20,
        ackWait: 2,
        extra: ['--permission-table', table, '--permission-subject-prefix', `${prefix}.permissions`],
      };
      try {
        for (let i = 0; i < TOTAL; i++) logger.record(decision(i));
        await logger.flush();
        // Poison on the decisions' subject: not JSON, and JSON that is no decision.
        const h = natsHeaders();
        h.set('Audit-Kind', 'permission');
        await client.js.publish(`${prefix}.permissions._permissions`, 'not json {', { headers: h });
        await client.js.publish(
          `${prefix}.permissions._permissions`,
          JSON.stringify({ event_id: 'nope', action: 'read' }),
          { headers: h },
        );

        const victim = startIngestWorker(options);
        await waitUntil(async () => (await decisionCounts(ctx.knex, table).catch(() => ({ rows: 0 }))).rows >= 200, {
          everyMs: 5,
          timeoutMs: 60_000,
          what: 'first batches',
        });
        victim.child.kill('SIGKILL');
        const killed = await victim.done;
        expect(killed.signal, killed.stderr).to.equal('SIGKILL');
        const atKill = (await decisionCounts(ctx.knex, table)).rows;
        expect(atKill, 'the kill landed while work remained').to.be.below(TOTAL);

        const survivor = startIngestWorker(options);
        await waitUntil(async () => (await decisionCounts(ctx.knex, table)).rows >= TOTAL, {
          timeoutMs: 90_000,
          what: 'ingest',
        });
        await waitUntil(
          async () => (await client.jsm.consumers.info(stream, 'audit-ingest-permissions')).num_ack_pending === 0,
          { what: 'acks' },
        );
        await survivor.started;
        survivor.child.kill('SIGTERM');
        const exit = await survivor.done;
        expect(exit.code, exit.stderr).to.equal(0);
        const done = JSON.parse(exit.stdout.trim().split('\n').at(-1));
        expect(done).to.include({ type: 'done', ok: true, stoppedBy: 'SIGTERM' });
        // The killed worker's unacknowledged decisions came back to the survivor.
        expect(done.permissions.redelivered, JSON.stringify(done.permissions)).to.be.above(0);

        expect(await decisionCounts(ctx.knex, table)).to.deep.equal({ rows: TOTAL, duplicates: 0 });
        const [{ denied }] = await ctx.knex(table).where({ granted: false }).count('* as denied');
        expect(Number(denied)).to.equal(TOTAL / 5);
        // The model's fields survive the trip: tenant and actor type as the app's decision had them.
        const [{ tenants }] = await ctx
          .knex(table)
          .where({ tenant_id: 't1', actor_type: 'user' })
          .count('* as tenants');
        expect(Number(tenants)).to.equal(TOTAL / 3);
        // Metadata stays masked through the stream and the ingest.
        const [row] = await ctx.knex(table).where({ user_id: '7' }).limit(1);
        const metadata = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata;
        expect(metadata.password).to.not.equal('hunter2');

        const info = await client.jsm.streams.info(stream, { subjects_filter: `${prefix}-dead` });
        expect(info.state.subjects?.[`${prefix}-dead`]).to.equal(2);
        const reasons = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
          const m = await client.jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (m?.subject === `${prefix}-dead`) reasons.push(m.header.get('Audit-Dead-Letter-Reason'));
        }
        expect(
          reasons.some((r) => /not valid JSON/.test(r)),
          reasons.join(' | '),
        ).to.equal(true);
        expect(
          reasons.some((r) => /event_id must be a lowercase UUID/.test(r)),
          reasons.join(' | '),
        ).to.equal(true);
      } finally {
        await logger.close();
        for (const t of [events, `${events}_a`, table]) await ctx.knex.schema.dropTableIfExists(t);
      }
    });

    it('with --integrity each worker chains its decision rows, a SIGKILLed one too; verify --permission-table passes', async function () {
      this.timeout(120_000);
      const stream = `PCHAIN_${dialect.toUpperCase()}_${Date.now().toString(36).toUpperCase()}`;
      const prefix = stream.toLowerCase();
      await ensureAuditStream(client.jsm, { name: stream, subjects: [`${prefix}.>`] });
      const events = uniqueTable('pcev');
      const table = uniqueTable('pchain');
      await new KnexEventStore(ctx.knex, { tableName: events, archiveTableName: `${events}_a` }).migrate();
      const logger = new JetStreamAuditLogger({
        nc: client.nc,
        stream,
        subjectPrefix: `${prefix}.permissions`,
        batchSize: 200,
        flushOnExit: false,
        handleSignals: false,
      });
      const db = dbUrl(dialect, ctx);
      const options = {
        url: server.url,
        stream,
        prefix: `${prefix}.events`,
        deadLetter: `${prefix}-dead`,
        db,
        table: events,
        batchSize: 50,
        ackWait: 2,
        extra: ['--integrity', '--permission-table', table, '--permission-subject-prefix', `${prefix}.permissions`],
      };
      try {
        for (let i = 0; i < TOTAL; i++) logger.record(decision(i));
        await logger.flush();
        const victim = startIngestWorker(options);
        await waitUntil(async () => (await decisionCounts(ctx.knex, table).catch(() => ({ rows: 0 }))).rows >= 100, {
          everyMs: 5,
          timeoutMs: 60_000,
          what: 'first batches',
        });
        victim.child.kill('SIGKILL');
        await victim.done;
        // Its unacknowledged decisions come back to these two; those it committed are left out
        // before stamping (a chained INSERT never skips a row silently), so no chain has a gap.
        const workers = [startIngestWorker(options), startIngestWorker(options)];
        await waitUntil(async () => (await decisionCounts(ctx.knex, table).catch(() => ({ rows: 0 }))).rows >= TOTAL, {
          timeoutMs: 90_000,
          what: 'ingest',
        });
        await Promise.all(workers.map((w) => w.started));
        for (const w of workers) w.child.kill('SIGTERM');
        for (const exit of await Promise.all(workers.map((w) => w.done))) expect(exit.code, exit.stderr).to.equal(0);
        expect(await decisionCounts(ctx.knex, table)).to.deep.equal({ rows: TOTAL, duplicates: 0 });
        const verify = await runBin([
          'verify',
          '--db',
          db,
          '--table',
          events,
          '--archive-table',
          `${events}_a`,
          '--permission-table',
          table,
          '--json',
        ]);
        expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
        const report = JSON.parse(verify.stdout.trim().split('\n').at(-1));
        expect(report.ok).to.equal(true);
        const chains = await ctx.knex(table).distinct('chain_id');
        expect(chains.length, 'one chain per worker that took decisions').to.be.within(2, 3);
      } finally {
        await logger.close();
        for (const t of [events, `${events}_a`, table]) await ctx.knex.schema.dropTableIfExists(t);
      }
    });
  });
});
