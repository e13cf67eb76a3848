// Issue 16 item 9 (rule errors): the text of an error thrown by a rule never reaches the log. It
// can carry hosts, SQL, user data or secrets; the event keeps the error's class and code.
import { expect } from 'chai';
import { PermissionCheckError, captureAuditEvents, definePermission, serializeEventLine } from '@audit-events/core';

class PolicyServiceDown extends Error {}

async function eventsOf(rule) {
  const Guarded = definePermission({ manager: 'Guarded', update: ['remote'], rules: { remote: rule } });
  try {
    await captureAuditEvents(() => Guarded.checkUpdate({}, { x: 1 }, { user: { id: 1 }, metadata: { trace: 't1' } }));
    throw new Error('the check passed');
  } catch (err) {
    expect(err).to.be.instanceOf(PermissionCheckError);
    return { error: err, events: err.auditEvents };
  }
}

describe('an error thrown by a rule is logged by class and code, never by its message', () => {
  it('stores the class name and a well-formed code; the message stays out of the stored line', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432 user=app password=hunter2'), {
      code: 'ECONNREFUSED',
    });
    const { error, events } = await eventsOf(async () => {
      throw cause;
    });
    expect(events[0].metadata).to.deep.equal({ trace: 't1', error: 'rule failed: Error [ECONNREFUSED]' });
    expect(serializeEventLine(events[0])).to.not.include('hunter2').and.not.include('10.0.0.5');
    expect(error.denials[0].error).to.equal(cause, 'the app still gets the whole error');
  });

  it('custom classes by name; odd names, odd codes and non-errors reduced to a safe label', async () => {
    const cases = [
      [() => Promise.reject(new PolicyServiceDown('token=abc')), 'rule failed: PolicyServiceDown'],
      [() => Promise.reject(Object.assign(new TypeError('x'), { code: 42 })), 'rule failed: TypeError [42]'],
      [
        () => Promise.reject(Object.assign(new Error('x'), { name: 'Bad\u001b[31mName', code: 'has space' })),
        'rule failed: Error',
      ],
      [() => Promise.reject(Object.assign(new Error('x'), { name: 'N'.repeat(200) })), 'rule failed: Error'],
      [() => Promise.reject('secret string'), 'rule failed: string'],
      [() => Promise.reject({ message: 'secret object' }), 'rule failed: object'],
      [() => Promise.reject(null), 'rule failed: null'],
    ];
    for (const [rule, expected] of cases) {
      const { events } = await eventsOf(rule);
      expect(events[0].metadata.error).to.equal(expected);
    }
  });

  it('an error whose name is a throwing getter still denies and is logged as Error', async () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'name', {
      get: () => {
        throw new Error('boom');
      },
    });
    const { events } = await eventsOf(() => Promise.reject(hostile));
    expect(events[0].metadata.error).to.equal('rule failed: Error');
  });
});
