// Issue 16 item 1: an update check judges the STORED instance, and by default the proposed state
// (stored instance with the changes applied) too. The request body must never satisfy its own check.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  ConfigurationError,
  PermissionCheckError,
  captureAuditEvents,
  defineMutationPermission,
  definePermission,
} from '@audit-events/core';

const alice = { id: 1, username: 'alice' };
const mallory = { id: 2, username: 'mallory' };
const admin = { id: 3, username: 'root-ish', isAdmin: true };

/** Resolves to the check's error (undefined when it passed) and the events it emitted. */
async function attempt(fn) {
  try {
    const events = await captureAuditEvents(fn);
    return { error: undefined, events };
  } catch (err) {
    return { error: err, events: err.auditEvents ?? [] };
  }
}

describe('update checks judge the stored instance, then the proposed state (issue 16 item 1)', () => {
  // The README's Project.
  const Project = definePermission({
    manager: 'Project',
    update: ['isAdmin', 'isSelf'],
    attributes: { budget: { update: ['isAdmin'] } },
  });
  const project = { id: 10, name: 'Apollo', budget: 100, creatorId: 1, status: 'published' };

  it('a non-owner claiming ownership in the body ({ name, creatorId: <his id> }) is DENIED', async () => {
    const { error, events } = await attempt(() =>
      Project.checkUpdate(project, { name: 'Mine now', creatorId: 2 }, { user: mallory }),
    );
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(error.denials.map((d) => d.attribute)).to.deep.equal(['name', 'creatorId']);
    expect(events.map((e) => [e.attributes[0], e.granted])).to.deep.equal([
      ['name', false],
      ['creatorId', false],
    ]);
  });

  it('matches:status:draft does not pass because the body says status: "draft"', async () => {
    const Doc = definePermission({ manager: 'Doc', update: ['isAuthenticated&matches:status:draft'] });
    const { error } = await attempt(() => Doc.checkUpdate(project, { status: 'draft', name: 'x' }, { user: alice }));
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(error.denials).to.have.length(2);
    // A stored draft may still be edited, and stays editable while it remains a draft.
    const draft = { ...project, status: 'draft' };
    const ok = await attempt(() => Doc.checkUpdate(draft, { name: 'x' }, { user: alice }));
    expect(ok.error).to.equal(undefined);
    // Publishing it leaves the rule's state: the proposed state fails (opt out per attribute, below).
    const publish = await attempt(() => Doc.checkUpdate(draft, { status: 'published' }, { user: alice }));
    expect(publish.error).to.be.instanceOf(PermissionCheckError);
    expect(publish.events[0].metadata).to.deep.include({ denied_state: 'proposed' });
  });

  it('basedOn does not follow a parent supplied in the body', async () => {
    const Task = definePermission({
      manager: 'Task',
      basedOn: { permission: Project, via: 'project' },
      update: ['isAuthenticated'],
    });
    const task = { id: 5, title: 't', project };
    const forged = { title: 'pwned', project: { id: 99, creatorId: 2 } };
    const { error, events } = await attempt(() => Task.checkUpdate(task, forged, { user: mallory }));
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(events.every((e) => e.granted === false)).to.equal(true);
    // The stored parent decides: its owner passes, and so does an admin moving the task elsewhere.
    expect((await attempt(() => Task.checkUpdate(task, { title: 'ok' }, { user: alice }))).error).to.equal(undefined);
    expect(
      (await attempt(() => Task.checkUpdate(task, { project: { id: 11, creatorId: 3 } }, { user: admin }))).error,
    ).to.equal(undefined);
  });

  it('moving a child to another parent needs the new parent to allow too', async () => {
    const Task = definePermission({
      manager: 'Task',
      basedOn: { permission: Project, via: 'project' },
      update: ['isAuthenticated'],
    });
    const task = { id: 5, title: 't', project };
    const othersProject = { id: 12, creatorId: 2 };
    const { error } = await attempt(() => Task.checkUpdate(task, { project: othersProject }, { user: alice }));
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(error.denials[0].state).to.equal('proposed');
  });

  it('the owner giving the project away is denied by default: the proposed state fails isSelf', async () => {
    const { error, events } = await attempt(() => Project.checkUpdate(project, { creatorId: 2 }, { user: alice }));
    expect(error).to.be.instanceOf(PermissionCheckError);
    expect(events.map((e) => [e.attributes[0], e.granted, e.metadata])).to.deep.equal([
      ['creatorId', false, { denied_state: 'proposed' }],
    ]);
    // Hidden among harmless changes it is denied all the same.
    const mixed = await attempt(() => Project.checkUpdate(project, { name: 'N', creatorId: 2 }, { user: alice }));
    expect(mixed.error.denials.map((d) => d.attribute)).to.deep.equal(['name', 'creatorId']);
    // An admin may reassign: isAdmin holds on both states.
    expect((await attempt(() => Project.checkUpdate(project, { creatorId: 2 }, { user: admin }))).error).to.equal(
      undefined,
    );
  });

  it('an attribute can opt out of the proposed-state check (a hand-over the owner may make)', async () => {
    const Transferable = definePermission({
      manager: 'Project',
      update: ['isAdmin', 'isSelf'],
      attributes: { creatorId: { checkProposed: false } },
    });
    const handOver = await attempt(() =>
      Transferable.checkUpdate(project, { name: 'N', creatorId: 2 }, { user: alice }),
    );
    expect(handOver.error).to.equal(undefined);
    expect(handOver.events.map((e) => [e.attributes[0], e.granted])).to.deep.equal([
      ['name', true],
      ['creatorId', true],
    ]);
    // The opt-out never helps an outsider: the stored state still decides.
    const outsider = await attempt(() => Transferable.checkUpdate(project, { creatorId: 2 }, { user: mallory }));
    expect(outsider.error).to.be.instanceOf(PermissionCheckError);
    expect(() => definePermission({ manager: 'P', attributes: { a: { checkProposed: 'no' } } })).to.throw(
      ConfigurationError,
      /checkProposed/,
    );
  });

  it('rules see the stored values on the stored pass and the new values on the proposed pass', async () => {
    const seen = [];
    const Spy = definePermission({
      manager: 'Spy',
      update: ['spy'],
      rules: { spy: (_u, instance) => (seen.push(instance.status), true) },
    });
    await Spy.checkUpdate({ status: 'old' }, { status: 'new' }, { user: alice });
    expect(seen).to.deep.equal(['old', 'new']);
    // A frozen (or read-only) stored instance works too: changes are laid over it, never written to it.
    await Spy.checkUpdate(Object.freeze({ status: 'old' }), { status: 'new' }, { user: alice });
    // Getters of a model class see the proposed values; the changes read as own keys.
    class Model {
      constructor() {
        this.status = 'old';
      }
      get label() {
        return `[${this.status}]`;
      }
    }
    const views = [];
    const Viewed = definePermission({
      manager: 'V',
      update: ['view'],
      rules: { view: (_u, i) => (views.push([i.label, Object.keys(i), 'status' in i]), true) },
    });
    const stored = new Model();
    await Viewed.checkUpdate(stored, { status: 'new' }, { user: alice });
    expect(views).to.deep.equal([
      ['[old]', ['status'], true],
      ['[new]', ['status'], true],
    ]);
    expect(stored.status).to.equal('old');
  });

  describe('property: no body satisfies its own check', () => {
    const Doc = definePermission({ manager: 'Doc', update: ['isSelf:ownerId'] });
    const doc = { id: 1, ownerId: 'alice', title: 't' };
    const ownerKey = fc.constantFrom(
      'ownerId',
      'OwnerId',
      'OWNERID',
      ' ownerId',
      'docs.ownerId',
      'ｏｗｎｅｒＩｄ',
      'ownerid\t',
    );
    const key = fc.oneof(
      ownerKey,
      fc.constantFrom('__proto__', 'constructor', 'title', 'Title'),
      fc.string({ maxLength: 6 }),
    );
    const value = fc.oneof(
      fc.constantFrom('mallory', 'alice'),
      fc.constant({ ownerId: 'mallory' }),
      fc.string({ maxLength: 6 }),
      fc.integer(),
    );
    const body = fc.array(fc.tuple(key, value), { maxLength: 6 }).map((entries) => {
      const out = {};
      for (const [k, v] of entries)
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
    const refusal = (check) =>
      check.then(
        () => null,
        (e) => e?.code ?? 'not an error',
      );
    const ownerChange = (data) =>
      Object.keys(data).some(
        (k) => k.normalize('NFKC').split('.').pop().trim().toLowerCase() === 'ownerid' && data[k] !== 'alice',
      );

    it('a non-owner is refused whatever the body; the owner is refused whenever the body hands the doc to someone else', async () => {
      await fc.assert(
        fc.asyncProperty(body, async (data) => {
          const keys = JSON.stringify(Object.getOwnPropertyNames(data));
          expect(await refusal(Doc.checkUpdate(doc, data, { user: { id: 'mallory' } })), keys).to.be.oneOf([
            'AUDIT_PERMISSION_DENIED',
            'AUDIT_BAD_INPUT',
          ]);
          if (ownerChange(data)) {
            expect(await refusal(Doc.checkUpdate(doc, data, { user: { id: 'alice' } })), keys).to.be.oneOf([
              'AUDIT_PERMISSION_DENIED',
              'AUDIT_BAD_INPUT',
            ]);
          }
        }),
        { numRuns: 400 },
      );
    });
  });

  describe('the same class of bug elsewhere', () => {
    it('create: a basedOn parent comes from options.parent, never from the payload', async () => {
      // The parent is asked for the same action: only a board's owner may create in it.
      const Board = definePermission({ manager: 'Board', create: ['isSelf'] });
      const Task = definePermission({
        manager: 'Task',
        basedOn: { permission: Board, via: 'project' },
        create: ['isAuthenticated'],
      });
      // Was: the payload's own `project` object decided, so anyone could create in any project.
      const forged = await attempt(() =>
        Task.checkCreate({ title: 't', project: { creatorId: 2 } }, { user: mallory }),
      );
      expect(forged.error).to.be.instanceOf(ConfigurationError);
      expect(forged.error.message).to.match(/parent/);
      const denied = await attempt(() =>
        Task.checkCreate({ title: 't', project: { creatorId: 2 } }, { user: mallory, parent: project }),
      );
      expect(denied.error).to.be.instanceOf(PermissionCheckError);
      expect((await attempt(() => Task.checkCreate({ title: 't' }, { user: alice, parent: project }))).error).to.equal(
        undefined,
      );
      // null: explicitly no parent, the child's own lists and the defaults decide.
      expect((await attempt(() => Task.checkCreate({ title: 't' }, { user: mallory, parent: null }))).error).to.equal(
        undefined,
      );
    });

    it('mutation: with the target instance given, rules judge it, not the input', async () => {
      const Rename = defineMutationPermission({ mutation: 'renameProject', mutate: ['isSelf'] });
      const forged = await attempt(() =>
        Rename.check({ name: 'x', creatorId: 2 }, { user: mallory, instance: project }),
      );
      expect(forged.error).to.be.instanceOf(PermissionCheckError);
      const handOver = await attempt(() => Rename.check({ creatorId: 2 }, { user: alice, instance: project }));
      expect(handOver.error).to.be.instanceOf(PermissionCheckError, 'the proposed state fails isSelf');
      expect((await attempt(() => Rename.check({ name: 'x' }, { user: alice, instance: project }))).error).to.equal(
        undefined,
      );
    });

    it('delete and read judge the stored instance only (no body to forge)', async () => {
      const Owned = definePermission({ manager: 'Owned', delete: ['isSelf'], read: ['isSelf'] });
      expect((await attempt(() => Owned.checkDelete(project, { user: mallory }))).error).to.be.instanceOf(
        PermissionCheckError,
      );
      expect((await attempt(() => Owned.checkRead(project, ['name'], { user: mallory }))).error).to.be.instanceOf(
        PermissionCheckError,
      );
      expect((await attempt(() => Owned.checkDelete(project, { user: alice }))).error).to.equal(undefined);
    });
  });
});
