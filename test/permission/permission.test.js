import { expect } from 'chai';
import {
  AuditContext,
  ConfigurationError,
  PermissionCheckError,
  captureAuditEvents,
  configureAuditLogger,
  defineMutationPermission,
  definePermission,
  registerPermissionRule,
  runWithAuditContext,
  serializeEvent,
} from '@audit-events/core';
import { MUTATE_ATTRIBUTE } from '@audit-events/core/internal';

const alice = { id: 1, username: 'alice' };
const bob = { id: 2, username: 'bob' };
const admin = { id: 3, username: 'root-ish', isAdmin: true };
const superuser = { id: 4, username: 'super', isSuperuser: true };

/** Runs `fn`, returns [serialised events, error or undefined]. */
async function run(fn) {
  try {
    const events = await captureAuditEvents(fn);
    return [events.map((e) => serializeEvent(e)), undefined];
  } catch (err) {
    return [(err.auditEvents ?? []).map((e) => serializeEvent(e)), err];
  }
}

const pick = (e) => ({
  action: e.action,
  attributes: e.attributes,
  granted: e.granted,
  bypassed: e.bypassed,
  permissions: e.permissions,
});

describe('permission checks that emit events', () => {
  const Project = definePermission({
    manager: 'Project',
    read: ['public'],
    create: ['isAuthenticated'],
    update: ['isAdmin', 'isSelf'],
    delete: ['isAdmin'],
    attributes: { budget: { update: ['isAdmin'] } },
  });
  const project = { id: 10, name: 'Apollo', budget: 100, creatorId: 1 };

  after(() => configureAuditLogger(null));

  it('grant: one granted event per attribute, with the expressions evaluated', async () => {
    const [events, error] = await run(() => Project.checkUpdate(project, { name: 'Artemis' }, { user: alice }));
    expect(error).to.equal(undefined);
    expect(events.map(pick)).to.deep.equal([
      { action: 'update', attributes: ['name'], granted: true, bypassed: false, permissions: ['isAdmin', 'isSelf'] },
    ]);
    expect(events[0]).to.include({ manager: 'Project', user_id: '1', user_repr: 'alice' });
  });

  it('deny: a denied event per attribute and ONE PermissionCheckError listing every denial', async () => {
    const [events, error] = await run(() => Project.checkUpdate(project, { name: 'X', budget: 5 }, { user: bob }));
    expect(events.map((e) => [e.attributes[0], e.granted])).to.deep.equal([
      ['name', false],
      ['budget', false],
    ]);
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(error.code).to.equal('AUDIT_PERMISSION_DENIED');
    expect(error.userId).to.equal('2');
    expect(error.denials.map((d) => d.attribute)).to.deep.equal(['name', 'budget']);
    expect(error.denials[1].permissions).to.deep.equal(['isAdmin', 'isSelf', 'isAdmin']);
    expect(error.message).to.match(/id=2.*update Project\.name, update Project\.budget/);
  });

  it('attribute rules are an extra gate (additive) and can replace the action rule (override)', async () => {
    // The owner may rename but not change the budget: budget also needs isAdmin.
    const [events, error] = await run(() => Project.checkUpdate(project, { name: 'Y', budget: 5 }, { user: alice }));
    expect(events.map(pick)).to.deep.equal([
      { action: 'update', attributes: ['name'], granted: true, bypassed: false, permissions: ['isAdmin', 'isSelf'] },
      {
        action: 'update',
        attributes: ['budget'],
        granted: false,
        bypassed: false,
        permissions: ['isAdmin', 'isSelf', 'isAdmin'],
      },
    ]);
    expect(error.denials).to.have.length(1);

    const Open = definePermission({
      manager: 'Open',
      update: ['isAdmin'],
      attributes: { note: { update: ['isAuthenticated'] } },
      attributeMode: 'override',
    });
    const [overridden, err2] = await run(() => Open.checkUpdate({}, { note: 'hi' }, { user: bob }));
    expect(err2).to.equal(undefined);
    expect(overridden.map(pick)).to.deep.equal([
      { action: 'update', attributes: ['note'], granted: true, bypassed: false, permissions: ['isAuthenticated'] },
    ]);
  });

  describe('inheritance (basedOn)', () => {
    const Task = definePermission({
      manager: 'Task',
      basedOn: { permission: Project, via: 'project' },
      update: ['isAuthenticated'],
      attributes: { done: { update: ['matches:status:open'] } },
    });

    it('the parent must allow too, and its expressions are listed in the child event', async () => {
      const task = { id: 5, status: 'open', project };
      const [events, error] = await run(() => Task.checkUpdate(task, { done: true }, { user: alice }));
      expect(error).to.equal(undefined);
      expect(events.map(pick)).to.deep.equal([
        {
          action: 'update',
          attributes: ['done'],
          granted: true,
          bypassed: false,
          permissions: ['isAuthenticated', 'matches:status:open', 'isAdmin', 'isSelf'],
        },
      ]);
      expect(events[0].manager).to.equal('Task');
    });

    it('a parent denial denies the child even when the child rules hold', async () => {
      const task = { id: 6, status: 'open', project };
      const [events, error] = await run(() => Task.checkUpdate(task, { title: 'new' }, { user: bob }));
      expect(events.map(pick)).to.deep.equal([
        {
          action: 'update',
          attributes: ['title'],
          granted: false,
          bypassed: false,
          permissions: ['isAuthenticated', 'isAdmin', 'isSelf'],
        },
      ]);
      expect(error).to.be.instanceOf(PermissionCheckError);
    });

    it('without a parent object the child falls back to its own lists and the defaults', async () => {
      const [events, error] = await run(() => Task.checkDelete({ title: 'orphan' }, { user: bob }));
      expect(error).to.equal(undefined);
      expect(events.map(pick)).to.deep.equal([
        { action: 'delete', attributes: ['title'], granted: true, bypassed: false, permissions: ['isAuthenticated'] },
      ]);
      expect(Task.describe('update', 'done')).to.deep.equal([
        'isAuthenticated',
        'matches:status:open',
        'isAdmin',
        'isSelf',
      ]);
    });
  });

  it('bypass: a superuser gets granted + bypassed events and no rule is evaluated', async () => {
    let evaluated = 0;
    const Guarded = definePermission({
      manager: 'Vault',
      update: ['counted'],
      rules: { counted: () => (evaluated++, false) },
    });
    const [events, error] = await run(() => Guarded.checkUpdate({}, { a: 1, b: 2 }, { user: superuser }));
    expect(error).to.equal(undefined);
    expect(evaluated).to.equal(0);
    expect(events.map(pick)).to.deep.equal([
      { action: 'update', attributes: ['a'], granted: true, bypassed: true, permissions: ['counted'] },
      { action: 'update', attributes: ['b'], granted: true, bypassed: true, permissions: ['counted'] },
    ]);
    const [empty] = await run(() => Guarded.checkCreate({}, { user: superuser }));
    expect(empty.map(pick)).to.deep.equal([
      { action: 'create', attributes: [], granted: true, bypassed: true, permissions: ['isAuthenticated'] },
    ]);
  });

  it('an empty create/update payload is one operation-level event with no attributes', async () => {
    const [created, createError] = await run(() => Project.checkCreate({}, { user: null }));
    expect(created.map(pick)).to.deep.equal([
      { action: 'create', attributes: [], granted: false, bypassed: false, permissions: ['isAuthenticated'] },
    ]);
    expect(createError.denials[0].attribute).to.equal(null);
    const [updated] = await run(() => Project.checkUpdate(project, {}, { user: admin }));
    expect(updated.map(pick)).to.deep.equal([
      { action: 'update', attributes: [], granted: true, bypassed: false, permissions: ['isAdmin', 'isSelf'] },
    ]);
  });

  it('create: one event per payload key; rules see the payload', async () => {
    const Draft = definePermission({ manager: 'Draft', create: ['isAuthenticated&matches:status:draft'] });
    const [events, error] = await run(() => Draft.checkCreate({ status: 'draft', title: 't' }, { user: alice }));
    expect(error).to.equal(undefined);
    expect(events.map((e) => [e.action, e.attributes[0], e.granted])).to.deep.equal([
      ['create', 'status', true],
      ['create', 'title', true],
    ]);
    const [denied, err] = await run(() => Draft.checkCreate({ status: 'published' }, { user: alice }));
    expect(denied[0].granted).to.equal(false);
    expect(err).to.be.instanceOf(PermissionCheckError);
  });

  it('delete: one event per attribute of the instance', async () => {
    const [events, error] = await run(() => Project.checkDelete(project, { user: bob }));
    expect(events.map((e) => [e.action, e.attributes[0], e.granted])).to.deep.equal([
      ['delete', 'id', false],
      ['delete', 'name', false],
      ['delete', 'budget', false],
      ['delete', 'creatorId', false],
    ]);
    expect(error.denials).to.have.length(4);
  });

  it('read: one event per attribute asked for, or one operation-level event', async () => {
    const [events] = await run(async () => {
      await Project.checkRead(project, ['name'], { user: null });
      await Project.checkRead(project, [], { user: null });
    });
    expect(events.map(pick)).to.deep.equal([
      { action: 'read', attributes: ['name'], granted: true, bypassed: false, permissions: ['public'] },
      { action: 'read', attributes: [], granted: true, bypassed: false, permissions: ['public'] },
    ]);
  });

  describe('mutations', () => {
    const Approve = defineMutationPermission({
      mutation: 'approveInvoice',
      mutate: ['isAuthenticated'],
      fields: { amount: ['isAdmin'] },
    });

    it('with no fields the attribute is __mutate__', async () => {
      const [events] = await run(() => Approve.check({}, { user: alice }));
      expect(MUTATE_ATTRIBUTE).to.equal('__mutate__');
      expect(events.map(pick)).to.deep.equal([
        {
          action: 'mutation',
          attributes: ['__mutate__'],
          granted: true,
          bypassed: false,
          permissions: ['isAuthenticated'],
        },
      ]);
      expect(events[0].manager).to.equal('approveInvoice');
    });

    it('one event per field, field rules on top of the mutation rules', async () => {
      const [events, error] = await run(() => Approve.check({ id: 1, amount: 9 }, { user: alice }));
      expect(events.map((e) => [e.attributes[0], e.granted, e.permissions])).to.deep.equal([
        ['id', true, ['isAuthenticated']],
        ['amount', false, ['isAuthenticated', 'isAdmin']],
      ]);
      expect(error.denials.map((d) => d.attribute)).to.deep.equal(['amount']);
    });
  });

  it('takes the user from the audit context when none is passed', async () => {
    const context = new AuditContext({
      requestId: 'r-7',
      method: 'PATCH',
      url: 'https://x.test/p/10',
      ip: '198.51.100.4',
      user: alice,
    });
    const [events, error] = await run(() =>
      runWithAuditContext(context, () => Project.checkUpdate(project, { name: 'Z' })),
    );
    expect(error).to.equal(undefined, 'isSelf holds for the context user');
    expect(events[0]).to.include({ user_id: '1', user_repr: 'alice', granted: true });
    expect(events[0].metadata).to.deep.equal({
      request_id: 'r-7',
      url: 'https://x.test/p/10',
      method: 'PATCH',
      ip: '198.51.100.4',
    });
  });

  it('a rule that throws denies (fail closed), says why in the event, and keeps the cause', async () => {
    const Flaky = definePermission({
      manager: 'Flaky',
      update: ['remote'],
      rules: {
        remote: async () => {
          throw new Error('policy service down');
        },
      },
    });
    const [events, error] = await run(() =>
      Flaky.checkUpdate({}, { x: 1 }, { user: alice, metadata: { trace: 't1' } }),
    );
    expect(events[0].granted).to.equal(false);
    // The class, not the message (issue 16 item 9: messages can carry hosts, SQL, secrets).
    expect(events[0].metadata).to.deep.equal({ trace: 't1', error: 'rule failed: Error' });
    expect(error.denials[0].error.message).to.equal('policy service down');
  });

  it('evaluates a shared expression once per state of a check, across attributes', async () => {
    let calls = 0;
    const Counted = definePermission({
      manager: 'C',
      update: ['slow'],
      delete: ['slow'],
      rules: { slow: async () => (calls++, true) },
    });
    await run(() => Counted.checkUpdate({}, { a: 1, b: 2, c: 3 }, { user: alice }));
    expect(calls).to.equal(2, 'once on the stored instance, once on the proposed state');
    calls = 0;
    await run(() => Counted.checkDelete({ a: 1, b: 2, c: 3 }, { user: alice }));
    expect(calls).to.equal(1);
  });

  it('rejects unknown rules and malformed definitions when the permission is defined', () => {
    expect(() => definePermission({ manager: 'P', update: ['isAdmn'] })).to.throw(
      ConfigurationError,
      /unknown rule "isAdmn"/,
    );
    expect(() => definePermission({ manager: 'P', attributes: { a: { approve: ['public'] } } })).to.throw(
      ConfigurationError,
      /unknown action/,
    );
    expect(() => definePermission({ update: ['public'] })).to.throw(ConfigurationError, /manager/);
    expect(() => definePermission({ manager: 'P', basedOn: { permission: {}, via: 'x' } })).to.throw(
      ConfigurationError,
      /basedOn/,
    );
    expect(() => registerPermissionRule('isAdmin', () => true)).to.throw(ConfigurationError, /already registered/);
  });

  it('global rules registered by name work in any permission', async () => {
    registerPermissionRule('isWeekdayTestRule', (_user, instance) => instance.day !== 'sunday');
    const Shift = definePermission({ manager: 'Shift', update: ['isWeekdayTestRule'] });
    const [, error] = await run(() => Shift.checkUpdate({ day: 'sunday' }, { note: 'x' }, { user: alice }));
    expect(error).to.be.instanceOf(PermissionCheckError);
  });
});
