// Issue 16 item 10: SQLite and MySQL match column names case-insensitively, so an attribute gate
// must too: { "Budget": 1000000 } lands in `budget` and must meet budget's gate.
import { expect } from 'chai';
import {
  ConfigurationError,
  InvalidInputError,
  PermissionCheckError,
  captureAuditEvents,
  defineMutationPermission,
  definePermission,
} from '@audit-events/core';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';

const alice = { id: 1, username: 'alice' };
const admin = { id: 3, username: 'root-ish', isAdmin: true };

async function attempt(fn) {
  try {
    return { error: undefined, events: await captureAuditEvents(fn) };
  } catch (err) {
    return { error: err, events: err.auditEvents ?? [] };
  }
}

describe('attribute names are compared case-insensitively (issue 16 item 10)', () => {
  const Project = definePermission({
    manager: 'Project',
    update: ['isAdmin', 'isSelf'],
    attributes: { budget: { update: ['isAdmin'] } },
  });
  const project = { id: 10, name: 'Apollo', budget: 100, creatorId: 1 };

  it('{ "Budget": 1000000 } from the owner meets budget\'s gate, as { budget } does', async () => {
    // knex trims identifiers (so ' budget' lands in budget on every dialect, PostgreSQL included)
    // and reads `projects.budget` as table.column (it lands in budget on MySQL).
    for (const key of [
      'budget',
      'Budget',
      'BUDGET',
      'bUdGeT',
      'ｂｕｄｇｅｔ',
      ' budget',
      'budget\n',
      '\u00a0budget',
      'projects.budget',
      'projects．BUDGET ',
    ]) {
      const { error, events } = await attempt(() =>
        Project.checkUpdate(project, { [key]: 1_000_000 }, { user: alice }),
      );
      expect(error, key).to.be.instanceOf(PermissionCheckError);
      expect(events.map((e) => [e.attributes[0], e.granted, e.permissions])).to.deep.equal([
        [key, false, ['isAdmin', 'isSelf', 'isAdmin']],
      ]);
    }
    expect((await attempt(() => Project.checkUpdate(project, { Budget: 5 }, { user: admin }))).error).to.equal(
      undefined,
    );
    expect(Project.describe('update', 'BUDGET')).to.deep.equal(['isAdmin', 'isSelf', 'isAdmin']);
  });

  it('the proposed state reads a differently-cased key as the field it will land in (no give-away as "CreatorId")', async () => {
    const { error } = await attempt(() => Project.checkUpdate(project, { CreatorId: 2 }, { user: alice }));
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(error.denials[0].state).to.equal('proposed');
  });

  it('a body naming one attribute twice ({ budget, Budget }) is rejected as a whole, and the rejection is recorded', async () => {
    const { error, events } = await attempt(() =>
      Project.checkUpdate(project, { budget: 1, Budget: 2 }, { user: admin }),
    );
    expect(error).to.be.instanceOf(InvalidInputError);
    expect(error.code).to.equal('AUDIT_BAD_INPUT');
    expect(error.reason).to.equal('ambiguous_attributes');
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ action: 'update', granted: false, manager: 'Project' });
    expect(events[0].metadata).to.deep.include({ rejected: 'ambiguous_attributes' });
  });

  it('mutation fields and opt-outs fold the same way; a definition naming one attribute twice is an error', async () => {
    const Approve = defineMutationPermission({
      mutation: 'approve',
      mutate: ['isAuthenticated'],
      fields: { amount: ['isAdmin'] },
    });
    expect((await attempt(() => Approve.check({ AMOUNT: 9 }, { user: alice }))).error).to.be.instanceOf(
      PermissionCheckError,
    );
    const Transferable = definePermission({
      manager: 'T',
      update: ['isSelf'],
      attributes: { creatorId: { checkProposed: false } },
    });
    expect((await attempt(() => Transferable.checkUpdate(project, { CREATORID: 2 }, { user: alice }))).error).to.equal(
      undefined,
    );
    expect(() => definePermission({ manager: 'P', attributes: { budget: {}, Budget: {} } })).to.throw(
      ConfigurationError,
      /same attribute/,
    );
    expect(() => defineMutationPermission({ mutation: 'm', fields: { amount: [], AMOUNT: [] } })).to.throw(
      ConfigurationError,
      /same attribute/,
    );
  });
});

// The premise, on real databases: where a differently-cased key lands when an app writes the body.
forEachDialect('attribute case on the database (issue 16 item 10)', (ctx, dialect) => {
  const Project = definePermission({
    manager: 'Project',
    update: ['isAdmin', 'isSelf'],
    attributes: { budget: { update: ['isAdmin'] } },
  });
  let table;
  beforeEach(async () => {
    table = uniqueTable('case');
    await ctx.knex.schema.createTable(table, (t) => {
      t.integer('id').primary();
      t.integer('budget');
      t.integer('creatorId');
    });
    await ctx.knex(table).insert({ id: 1, budget: 100, creatorId: 1 });
  });
  afterEach(async () => {
    if (ctx.knex) await ctx.knex.schema.dropTableIfExists(table);
  });

  it('the check denies { Budget } and { " budget" } to the owner; written unchecked they land in budget or fail', async () => {
    for (const key of ['Budget', ' budget', 'budget\t', `${table}.budget`]) {
      const body = { [key]: 1_000_000 };
      const stored = await ctx.knex(table).where({ id: 1 }).first();
      const denied = await Project.checkUpdate(stored, body, { user: alice }).then(
        () => null,
        (e) => e,
      );
      expect(denied, key).to.be.instanceOf(PermissionCheckError);
      const written = await ctx
        .knex(table)
        .where({ id: 1 })
        .update(body)
        .then(
          () => null,
          (e) => e,
        );
      const { budget } = await ctx.knex(table).where({ id: 1 }).first();
      await ctx.knex(table).where({ id: 1 }).update({ budget: 100 });
      // Case folds on SQLite and MySQL (PostgreSQL's quoted identifiers keep case); knex trims
      // every identifier; only MySQL resolves table.column in an UPDATE's SET.
      const lands = key === 'Budget' ? dialect !== 'postgres' : key.includes('.') ? dialect === 'mysql' : true;
      expect(written === null, `${dialect} ${JSON.stringify(key)}: ${written?.message}`).to.equal(lands);
      expect(Number(budget), `${dialect} ${JSON.stringify(key)}`).to.equal(lands ? 1_000_000 : 100);
    }
  });
});
