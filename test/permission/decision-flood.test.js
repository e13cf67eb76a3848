// Issue 16 item 2: one request must not flush other users' decisions out of the permission log.
// The attack: a ~95 KB body with ~11,000 keys through checkUpdate filled the 10,000-event
// queue of a DatabaseAuditLogger on SQLite; the attacker's own budget decision and a concurrent
// user's decision were dropped.
import { warningsDuring } from '../helpers/output-capture.js';
import { expect } from 'chai';
import knexFactory from 'knex';
import { DatabaseAuditLogger } from '@audit-events/knex';
import {
  CheckInputRejectedError,
  ConfigurationError,
  captureAuditEvents,
  configureAuditLogger,
  defineMutationPermission,
  definePermission,
  serializeEvent,
} from '@audit-events/core';
import { knexConfig } from '../helpers/databases.js';
import { RecordingLogger, deferred, ev } from '../loggers/helpers.js';

const alice = { id: 1, username: 'alice' };
const mallory = { id: 2, username: 'mallory' };

const Project = definePermission({
  manager: 'Project',
  update: ['isAdmin', 'isSelf'],
  attributes: { budget: { update: ['isAdmin'] } },
});
const project = { id: 10, name: 'Apollo', budget: 100, creatorId: 1 };

/** The body: ~11,000 short keys (~95 KB of JSON), the sensitive one last. */
function floodBody(keys = 11_000) {
  const body = {};
  for (let i = 0; i < keys; i++) body[`k${i}`] = 1;
  body.budget = 1_000_000;
  return body;
}

async function attempt(fn) {
  try {
    return { error: undefined, events: await captureAuditEvents(fn) };
  } catch (err) {
    return { error: err, events: err.auditEvents ?? [] };
  }
}

describe('one check emits a bounded number of decisions (issue 16 item 2)', () => {
  after(() => configureAuditLogger(null));

  it('a body over maxAttributes is rejected as a whole: one denied event says why, no rule runs', async () => {
    let ruleCalls = 0;
    const Counted = definePermission({
      manager: 'Project',
      update: ['spy'],
      attributes: { budget: { update: ['isAdmin'] } },
      rules: { spy: () => (ruleCalls++, true) },
    });
    const body = floodBody();
    expect(JSON.stringify(body).length).to.be.within(90_000, 110_000);
    const { error, events } = await attempt(() =>
      Counted.checkUpdate(project, body, { user: mallory, metadata: { trace: 't' } }),
    );
    expect(error).to.be.instanceOf(CheckInputRejectedError);
    expect(error).to.include({ code: 'AUDIT_BAD_INPUT', reason: 'too_many_attributes' });
    expect(ruleCalls).to.equal(0);
    expect(events.map(serializeEvent).map((e) => [e.action, e.attributes, e.granted, e.metadata])).to.deep.equal([
      [
        'update',
        [],
        false,
        {
          trace: 't',
          rejected: 'too_many_attributes',
          attribute_count: 11_001,
          max_attributes: 100,
          gated_attributes: ['budget'],
        },
      ],
    ]);
  });

  it('the cap is per definition (maxAttributes), holds for every check, and a superuser is capped too', async () => {
    const Wide = definePermission({ manager: 'Wide', update: ['isAuthenticated'], maxAttributes: 300 });
    const wide = floodBody(250);
    expect((await attempt(() => Wide.checkUpdate({}, wide, { user: alice }))).events).to.have.length(251);
    const row = floodBody(120);
    for (const check of [
      () => Project.checkCreate(row, { user: alice }),
      () => Project.checkRead(project, Object.keys(row), { user: alice }),
      () => Project.checkDelete(row, { user: alice }),
      () => Project.checkUpdate(project, row, { user: { id: 9, isSuperuser: true } }),
      () => defineMutationPermission({ mutation: 'm' }).check(row, { user: alice }),
    ]) {
      const { error, events } = await attempt(check);
      expect(error).to.be.instanceOf(CheckInputRejectedError);
      expect(events).to.have.length(1);
    }
    expect(() => definePermission({ manager: 'P', maxAttributes: 0 })).to.throw(ConfigurationError, /maxAttributes/);
  });

  it("DatabaseAuditLogger on SQLite: the attacker's rejected decision and a concurrent user's decision are both stored", async function () {
    this.timeout(60_000);
    const knex = knexFactory(knexConfig('sqlite'));
    const logger = new DatabaseAuditLogger({ knex, tableName: 'flood_log', flushOnExit: false });
    configureAuditLogger(logger);
    try {
      const attack = Project.checkUpdate(project, floodBody(), { user: mallory }).catch((err) => err);
      // Alice's decision is recorded right behind the attack, before the writer could drain anything.
      const rename = Project.checkUpdate(project, { name: 'Artemis' }, { user: alice });
      const [attackError] = await Promise.all([attack, rename]);
      await logger.flush();
      expect(logger.droppedCount).to.equal(0);
      expect(attackError).to.be.instanceOf(CheckInputRejectedError);
      const rows = await knex('flood_log').select('user_id', 'granted', 'attributes', 'metadata').orderBy('id');
      const seen = rows.map((r) => [
        r.user_id,
        Boolean(r.granted),
        JSON.parse(r.attributes),
        JSON.parse(r.metadata ?? 'null')?.rejected ?? null,
      ]);
      expect(seen, 'alice').to.deep.include(['1', true, ['name'], null]);
      expect(seen).to.deep.include(['2', false, [], 'too_many_attributes']);
      expect(rows).to.have.length(2);
    } finally {
      configureAuditLogger(null);
      await logger.close();
      await knex.destroy();
    }
  });

  it('a full queue makes room for a denied decision by evicting granted noise, and counts denied drops apart', async () => {
    const gate = deferred();
    const logger = new RecordingLogger({ batchSize: 1, maxQueueSize: 3, flushInterval: 60_000 }, () => gate.promise);
    logger.record(ev('in-flight'));
    await new Promise((resolve) => setImmediate(resolve));
    const warnings = await warningsDuring(['AUDIT_LOGGER_QUEUE_FULL', 'AUDIT_LOGGER_DENIED_DROPPED'], () => {
      for (const name of ['g1', 'g2', 'g3']) logger.record(ev(name));
      logger.record(ev('d1', { granted: false }));
      expect(logger.droppedCount).to.equal(1, 'g1 made room');
      expect(logger.droppedDeniedCount).to.equal(0);
      logger.record(ev('g4'));
      expect(logger.droppedCount).to.equal(2, 'granted noise is dropped when full');
      for (const name of ['d2', 'd3', 'd4']) logger.record(ev(name, { granted: false }));
      expect(logger.droppedDeniedCount).to.equal(
        1,
        'only denied decisions left: the newest one is dropped, and counted apart',
      );
    });
    expect(warnings.map((w) => w.code)).to.deep.equal(['AUDIT_LOGGER_QUEUE_FULL', 'AUDIT_LOGGER_DENIED_DROPPED']);
    gate.resolve();
    await logger.flush();
    expect(logger.batches.flat()).to.deep.equal(['in-flight', 'd1', 'd2', 'd3']);
    await logger.close();
  });
});
