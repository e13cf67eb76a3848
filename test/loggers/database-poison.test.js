// A row the database refuses for its content (a constraint, a value too long) must not take its
// batch partners down: the logger isolates it and stores the other rows (issue 16, item 12).
import { expect } from 'chai';
import { DatabaseAuditLogger, ensurePermissionAuditTable } from '@audit-events/knex';
import { createPermissionAuditEvent } from '@audit-events/core';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { POISONS, batchWithPoison } from './poison.js';

function decision(i, manager = 'Doc') {
  return createPermissionAuditEvent({
    action: 'update',
    granted: i % 2 === 0,
    attributes: [`n${i}`],
    manager,
    user: { id: i, username: `u${i}` },
    metadata: { request_id: `r-${i}` },
  });
}

/** Makes the table refuse rows whose manager is 'Poison', the way a DBA's constraint would. */
async function refusePoison(knex, dialect, tableName) {
  await ensurePermissionAuditTable(knex, tableName);
  if (dialect === 'sqlite') {
    await knex.raw(
      `create trigger "${tableName}_no_poison" before insert on "${tableName}" when new.manager = 'Poison' ` +
        `begin select raise(abort, 'poison rows are refused'); end`,
    );
  } else {
    const q = dialect === 'mysql' ? '`' : '"';
    await knex.raw(
      `alter table ${q}${tableName}${q} add constraint ${q}${tableName}_no_poison${q} check (manager <> 'Poison')`,
    );
  }
}

function names(rows) {
  return rows.map((r) => (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes)[0]).sort();
}

const EXPECTED = Array.from({ length: 20 }, (_, i) => `n${i}`)
  .filter((n) => n !== 'n7')
  .sort();

forEachDialect('DatabaseAuditLogger: poison rows', (ctx, dialect) => {
  const tables = [];
  afterEach(async () => {
    if (!ctx.knex) return;
    for (const name of tables.splice(0)) await ctx.knex.schema.dropTableIfExists(name);
  });
  function table() {
    const name = uniqueTable('poison');
    tables.push(name);
    return name;
  }

  /** Counts INSERT statements whose bindings carry `marker`. */
  function countInserts(marker) {
    const seen = { count: 0 };
    const listener = (q) => {
      if (/^insert/i.test(q.sql) && (q.bindings ?? []).some((b) => b === marker)) seen.count++;
    };
    ctx.knex.on('query', listener);
    seen.stop = () => ctx.knex.removeListener('query', listener);
    return seen;
  }

  for (const integrity of [false, true]) {
    it(`stores the 19 other rows of a batch when the database refuses one${integrity ? ' (hash chain stays valid)' : ''}`, async () => {
      const tableName = table();
      await refusePoison(ctx.knex, dialect, tableName);
      const errors = [];
      const logger = new DatabaseAuditLogger({
        knex: ctx.knex,
        tableName,
        integrity,
        batchSize: 20,
        maxRetries: 3,
        retryDelay: 2_000,
        flushOnExit: false,
        handleSignals: false,
        onError: (err, batch) => errors.push({ err, batch }),
      });
      const inserts = countInserts('Poison');
      const started = Date.now();
      try {
        for (let i = 0; i < 20; i++) logger.record(decision(i, i === 7 ? 'Poison' : 'Doc'));
        await logger.flush();
      } finally {
        inserts.stop();
      }
      expect(Date.now() - started).to.be.below(2_000, 'a refused row is not retried after retryDelay');
      expect(logger.writtenCount).to.equal(19);
      expect(logger.failedCount).to.equal(1);
      expect(logger.rejectedCount).to.equal(1);
      expect(errors).to.have.length(1);
      expect(errors[0].err.code).to.equal('AUDIT_EVENT_REJECTED');
      expect(errors[0].batch.map((e) => e.attributes[0])).to.deep.equal(['n7']);
      // The refused row was sent once per halving (the batch, then each half holding it), never retried.
      expect(inserts.count).to.be.at.most(1 + Math.ceil(Math.log2(20)));
      const rows = await ctx.knex(tableName).select('attributes');
      expect(names(rows)).to.deep.equal(EXPECTED);
      if (integrity) {
        const report = await logger.verify();
        expect(report.valid, JSON.stringify(report)).to.equal(true);
        expect(report.chainedRows).to.equal(19);
        expect(report.chains.map((c) => c.lastSeq)).to.deep.equal([19]);
      }
      await logger.close();
    });
  }

  for (const [what, spoil] of Object.entries(POISONS)) {
    it(`stores the 19 valid rows of a batch with ${what}`, async () => {
      const tableName = table();
      const errors = [];
      const logger = new DatabaseAuditLogger({
        knex: ctx.knex,
        tableName,
        batchSize: 20,
        retryDelay: 2_000,
        flushOnExit: false,
        handleSignals: false,
        onError: (err, batch) => errors.push({ err, batch }),
      });
      for (const e of batchWithPoison(spoil)) logger.record(e);
      await logger.flush();
      expect(logger.writtenCount).to.equal(19);
      expect(logger.failedCount).to.equal(1);
      expect(errors.map((e) => e.err.code)).to.deep.equal(['AUDIT_EVENT_REJECTED']);
      expect(names(await ctx.knex(tableName).select('attributes'))).to.deep.equal(EXPECTED);
      await logger.close();
    });
  }

  it('a wrong table (a fault of the whole batch, not of a row) is still retried and reported as before', async () => {
    const tableName = table();
    await ctx.knex.schema.createTable(tableName, (t) => t.increments('id'));
    const errors = [];
    const logger = new DatabaseAuditLogger({
      knex: ctx.knex,
      tableName,
      retryDelay: 1,
      maxRetries: 2,
      flushOnExit: false,
      handleSignals: false,
      onError: (err, batch) => errors.push({ err, batch }),
    });
    for (let i = 0; i < 4; i++) logger.record(decision(i));
    await logger.close();
    expect(errors).to.have.length(1);
    expect(errors[0].err.code).to.equal('AUDIT_LOGGER_WRITE_FAILED');
    expect(errors[0].err.message).to.match(/after 3 attempt/);
    expect(errors[0].batch).to.have.length(4);
  });
});

forEachDialect(
  'DatabaseAuditLogger: a value the column cannot hold',
  (ctx) => {
    it('a manager longer than its column loses only its own row', async () => {
      const tableName = uniqueTable('poison_len');
      const errors = [];
      const logger = new DatabaseAuditLogger({
        knex: ctx.knex,
        tableName,
        batchSize: 20,
        retryDelay: 2_000,
        flushOnExit: false,
        handleSignals: false,
        onError: (err, batch) => errors.push({ err, batch }),
      });
      try {
        for (let i = 0; i < 20; i++) logger.record(decision(i, i === 7 ? 'M'.repeat(300) : 'Doc'));
        await logger.flush();
        expect(logger.writtenCount).to.equal(19);
        expect(errors.map((e) => [e.err.code, e.batch[0].attributes[0]])).to.deep.equal([
          ['AUDIT_EVENT_REJECTED', 'n7'],
        ]);
        expect(names(await ctx.knex(tableName).select('attributes'))).to.deep.equal(EXPECTED);
      } finally {
        await logger.close();
        await ctx.knex.schema.dropTableIfExists(tableName);
      }
    });
  },
  { dialects: ['mysql', 'postgres'] },
);
