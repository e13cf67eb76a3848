// Errors are recognised across two installed copies of @audit-events/core (an app and a library
// each with its own node_modules), by a registered-symbol brand, as undici's errors are.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  AuditEventsError,
  ConfigurationError,
  InvalidEventError,
  StoreTimeoutError,
  StoreWriteError,
} from '@audit-events/core';
import { copyCore } from '../helpers/core-copy.js';

describe('AuditEventsError across installed copies', () => {
  let dir;
  let copy;
  before(() => {
    dir = copyCore();
    copy = createRequire(join(dir, 'x.js'))('./cjs/index.js');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an error from the other copy is an instance of this copy’s class and of its bases', () => {
    expect(copy.StoreWriteError).not.to.equal(StoreWriteError, 'really a second copy');
    const err = new copy.StoreWriteError('disk full');
    expect(err instanceof StoreWriteError).to.equal(true);
    expect(err instanceof AuditEventsError).to.equal(true);
    expect(err instanceof Error).to.equal(true);
    expect(new StoreWriteError('x') instanceof copy.StoreWriteError).to.equal(true);
    expect(new ConfigurationError('store', 'missing') instanceof copy.AuditEventsError).to.equal(true);
  });

  it('is not an instance of a sibling class from either copy', () => {
    const err = new copy.StoreWriteError('disk full');
    expect(err instanceof StoreTimeoutError).to.equal(false);
    expect(err instanceof InvalidEventError).to.equal(false);
    expect(new StoreTimeoutError(10) instanceof copy.StoreWriteError).to.equal(false);
  });

  it('plain errors and look-alikes are not recognised', () => {
    expect(new Error('x') instanceof AuditEventsError).to.equal(false);
    expect({ code: 'AUDIT_STORE_WRITE_FAILED', name: 'StoreWriteError' } instanceof StoreWriteError).to.equal(false);
    expect(null instanceof AuditEventsError).to.equal(false);
    expect('StoreWriteError' instanceof StoreWriteError).to.equal(false);
  });

  it('the brand stays out of logs and JSON', () => {
    const err = new StoreWriteError('disk full');
    expect(Object.keys(err)).to.deep.equal(Object.keys(new StoreWriteError('other')));
    expect(JSON.stringify(err)).not.to.include('audit-events.error');
  });
});
