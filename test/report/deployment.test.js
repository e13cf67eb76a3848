// The deployment stamp: metadata.deployment comes from configureDeployment() or
// AUDIT_EVENTS_DEPLOYMENT, is added by emitPermissionAuditEvent in and out of a request context,
// and never overrides what the caller set.
import { warningsDuring } from '../helpers/output-capture.js';
import { expect } from 'chai';
import {
  AuditContext,
  ConfigurationError,
  MemoryAuditLogger,
  configureAuditLogger,
  configureDeployment,
  emitPermissionAuditEvent,
  runWithAuditContext,
  serializeEvent,
} from '@audit-events/core';
import { DEPLOYMENT_ENV, currentDeployment, deploymentMetadata } from '@audit-events/core/internal';

describe('deployment metadata', () => {
  let memory;
  let savedEnv;
  beforeEach(() => {
    savedEnv = process.env[DEPLOYMENT_ENV];
    delete process.env[DEPLOYMENT_ENV];
    configureDeployment(undefined);
    memory = new MemoryAuditLogger();
    configureAuditLogger(memory);
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env[DEPLOYMENT_ENV];
    else process.env[DEPLOYMENT_ENV] = savedEnv;
    configureDeployment(undefined);
    configureAuditLogger(null);
  });

  const emit = (metadata) =>
    emitPermissionAuditEvent({
      action: 'update',
      attributes: ['budget'],
      granted: false,
      manager: 'Project',
      user: { id: 1, username: 'a' },
      metadata,
    });
  const lastMetadata = () => serializeEvent(memory.events.at(-1)).metadata;

  it('stamps nothing when no deployment is configured', () => {
    expect(currentDeployment()).to.equal(null);
    expect(deploymentMetadata()).to.equal(null);
    emit(undefined);
    expect(lastMetadata()).to.equal(null);
  });

  it('stamps the configured deployment outside any request context, keeping other metadata', () => {
    configureDeployment('2025.03.1');
    expect(deploymentMetadata()).to.deep.equal({ deployment: '2025.03.1' });
    emit(undefined);
    expect(lastMetadata()).to.deep.equal({ deployment: '2025.03.1' });
    emit({ tenant: 'acme' });
    expect(lastMetadata()).to.deep.equal({ deployment: '2025.03.1', tenant: 'acme' });
  });

  it('stamps it inside a request context together with the request fields', () => {
    configureDeployment('blue');
    const context = new AuditContext({ requestId: 'req-1', url: 'http://x/p', method: 'PATCH', ip: '10.0.0.1' });
    runWithAuditContext(context, () => emit(undefined));
    expect(lastMetadata()).to.deep.equal({
      deployment: 'blue',
      request_id: 'req-1',
      url: 'http://x/p',
      method: 'PATCH',
      ip: '10.0.0.1',
    });
  });

  it('lets a deployment the caller put in metadata win, even null', () => {
    configureDeployment('green');
    emit({ deployment: 'canary' });
    expect(lastMetadata()).to.deep.equal({ deployment: 'canary' });
    emit({ deployment: null });
    expect(lastMetadata()).to.deep.equal({ deployment: null });
  });

  it('reads AUDIT_EVENTS_DEPLOYMENT when none is configured in code; configured values win; null turns it off', () => {
    process.env[DEPLOYMENT_ENV] = ' v7 ';
    configureDeployment(undefined); // re-read the environment
    expect(currentDeployment()).to.equal('v7');
    emit(undefined);
    expect(lastMetadata()).to.deep.equal({ deployment: 'v7' });

    configureDeployment('v8');
    expect(currentDeployment()).to.equal('v8');
    configureDeployment(null);
    expect(currentDeployment()).to.equal(null);
    emit(undefined);
    expect(lastMetadata()).to.equal(null);
    configureDeployment(undefined);
    expect(currentDeployment()).to.equal('v7');
  });

  it('treats an empty environment value as unset and warns once about an overlong one, stamping nothing', async () => {
    process.env[DEPLOYMENT_ENV] = '   ';
    configureDeployment(undefined);
    expect(currentDeployment()).to.equal(null);

    process.env[DEPLOYMENT_ENV] = 'x'.repeat(300);
    configureDeployment(undefined);
    // Captured, not printed (any other warning still is).
    const warnings = await warningsDuring('AUDIT_BAD_CONFIG', () => {
      expect(currentDeployment()).to.equal(null);
      expect(currentDeployment()).to.equal(null); // read once, not on every event
    });
    expect(warnings.map((w) => w.code)).to.deep.equal(['AUDIT_BAD_CONFIG']);
    expect(warnings[0].message).to.include(DEPLOYMENT_ENV);
  });

  it('rejects bad names with a ConfigurationError', () => {
    for (const bad of ['', '   ', 'x'.repeat(256), 42, {}]) {
      expect(() => configureDeployment(bad), String(bad))
        .to.throw(ConfigurationError)
        .with.property('code', 'AUDIT_BAD_CONFIG');
    }
    expect(currentDeployment()).to.equal(null);
  });
});
