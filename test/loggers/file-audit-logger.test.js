import { expect } from 'chai';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigurationError,
  isEventId,
  FileAuditLogger,
  UNSERIALIZABLE_METADATA_KEY,
  createPermissionAuditEvent,
} from '@audit-events/core';
import { IN_CI } from '../helpers/databases.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'loggers');
const JQ = '/usr/bin/jq';

function lines(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

/** Runs a fixture; resolves with its exit code, signal and stdout. `onReady` runs when it prints "ready". */
function runFixture(name, args, onReady) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(fixtures, name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (onReady && stdout.includes('ready\n')) {
        const fn = onReady;
        onReady = undefined;
        fn(child);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('FileAuditLogger', () => {
  let dir;
  const open = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-file-logger-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  function logger(path, options = {}) {
    const l = new FileAuditLogger(path, { flushOnExit: false, reopenOnSighup: false, ...options });
    open.push(l);
    return l;
  }

  it('writes one JSON object per line in the serialised shape, creating the directory', async () => {
    const file = join(dir, 'nested', 'deeper', 'permission.log');
    const l = logger(file);
    l.record(
      createPermissionAuditEvent({
        action: 'update',
        attributes: ['status'],
        granted: false,
        manager: 'Project',
        user: { id: 42, username: 'ada' },
        permissions: ['isAdmin', 'isSelf'],
        metadata: { request_id: 'r-1' },
        timestamp: new Date('2025-03-01T10:20:30.456Z'),
      }),
    );
    await l.flush();
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).to.equal(true);
    const [line] = text.trim().split('\n');
    expect(Object.keys(JSON.parse(line))).to.deep.equal([
      'event_id',
      'timestamp',
      'action',
      'attributes',
      'granted',
      'bypassed',
      'manager',
      'user_id',
      'user_repr',
      'user',
      'tenant_id',
      'actor_type',
      'permissions',
      'metadata',
    ]);
    const { event_id: eventId, ...rest } = JSON.parse(line);
    expect(isEventId(eventId), eventId).to.equal(true);
    expect(rest).to.deep.equal({
      timestamp: '2025-03-01T10:20:30.456+00:00',
      action: 'update',
      attributes: ['status'],
      granted: false,
      bypassed: false,
      manager: 'Project',
      user_id: '42',
      user_repr: 'ada',
      user: null,
      tenant_id: null,
      actor_type: 'user',
      permissions: ['isAdmin', 'isSelf'],
      metadata: { request_id: 'r-1' },
    });
    expect(statSync(file).mode & 0o777).to.equal(0o640);
  });

  it('appends to an existing file', async () => {
    const file = join(dir, 'permission.log');
    writeFileSync(file, '{"existing":true}\n', { mode: 0o640 }); // as the logger creates its files: no loose-mode warning
    const l = logger(file);
    l.record(createPermissionAuditEvent({ action: 'read', granted: true }));
    await l.flush();
    const all = lines(file);
    expect(all).to.have.length(2);
    expect(all[0]).to.deep.equal({ existing: true });
  });

  it('converts BigInt metadata and replaces circular metadata instead of failing the batch', async () => {
    const file = join(dir, 'permission.log');
    const l = logger(file);
    const circular = { name: 'loop' };
    circular.self = circular;
    l.record(createPermissionAuditEvent({ action: 'read', granted: true, metadata: { big: 2n ** 70n } }));
    l.record(createPermissionAuditEvent({ action: 'read', granted: true, metadata: circular }));
    await l.flush();
    const [big, loop] = lines(file);
    expect(big.metadata).to.deep.equal({ big: '1180591620717411303424' });
    expect(loop.metadata)
      .to.have.property(UNSERIALIZABLE_METADATA_KEY)
      .that.matches(/metadata\.self.*circular/);
    expect(loop.granted).to.equal(true, 'the decision itself is kept');
    expect(l.failedCount).to.equal(0);
  });

  it('supports jq: select(.action == "update" and (.granted == false)) on the file as written', async function () {
    if (!existsSync(JQ)) {
      // CI installs jq (.ci/run): there a missing jq is a broken setup, not a reason to skip.
      if (IN_CI)
        throw new Error(`${JQ} is not installed but CI=true: install Debian's \`jq\` package (apt-get install -y jq)`);
      this.skip();
    }
    const file = join(dir, 'permission.log');
    const l = logger(file);
    const decisions = [
      ['update', false, 'budget'],
      ['update', true, 'name'],
      ['create', false, 'owner'],
      ['update', false, 'status'],
      ['delete', false, 'id'],
    ];
    for (const [action, granted, attribute] of decisions) {
      l.record(
        createPermissionAuditEvent({ action, granted, attributes: [attribute], manager: 'Project', user: { id: 1 } }),
      );
    }
    await l.flush();
    for (const filter of [
      'select(.action == "update" and (.granted == false))',
      '. | select(.action == "update" and (.granted == false))',
    ]) {
      const out = execFileSync(JQ, ['-c', filter, file], { encoding: 'utf8' });
      const selected = out
        .trim()
        .split('\n')
        .map((x) => JSON.parse(x));
      expect(
        selected.map((e) => e.attributes[0]),
        filter,
      ).to.deep.equal(['budget', 'status']);
    }
    // general_manager's `.user` still reads as in its files: the repr only when there is no id.
    const noId = join(dir, 'repr.log');
    const l2 = logger(noId);
    l2.record(createPermissionAuditEvent({ action: 'update', granted: false, user: { username: 'guest-form' } }));
    await l2.flush();
    expect(execFileSync(JQ, ['-r', '.user', noId], { encoding: 'utf8' }).trim()).to.equal('guest-form');
  });

  it('reopen() starts a fresh file after logrotate moved the old one', async () => {
    const file = join(dir, 'permission.log');
    const l = logger(file);
    l.record(createPermissionAuditEvent({ action: 'read', granted: true, attributes: ['first'] }));
    await l.flush();
    renameSync(file, `${file}.1`);
    l.reopen();
    l.record(createPermissionAuditEvent({ action: 'read', granted: true, attributes: ['second'] }));
    await l.flush();
    expect(lines(`${file}.1`).map((e) => e.attributes[0])).to.deep.equal(['first']);
    expect(lines(file).map((e) => e.attributes[0])).to.deep.equal(['second']);
  });

  it('reopens on SIGHUP (child process)', async () => {
    const file = join(dir, 'permission.log');
    const { code, stdout, stderr } = await runFixture('sighup-reopen.mjs', [file]);
    expect(code, stderr).to.equal(0);
    const { rotated, current } = JSON.parse(stdout);
    expect(rotated)
      .to.match(/"before"/)
      .and.not.match(/"after"/);
    expect(current)
      .to.match(/"after"/)
      .and.not.match(/"before"/);
  });

  it('fails at construction with a ConfigurationError when the file cannot be opened', () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    expect(() => new FileAuditLogger(join(blocker, 'x.log'), { flushOnExit: false })).to.throw(
      ConfigurationError,
      /cannot open/,
    );
    expect(() => new FileAuditLogger('', { flushOnExit: false })).to.throw(ConfigurationError, /path/);
  });

  it('accepts { path, ...options } as its only argument (settings form)', async () => {
    const file = join(dir, 'from-options.log');
    const l = new FileAuditLogger({ path: file, batchSize: 5, flushOnExit: false, reopenOnSighup: false });
    open.push(l);
    expect(l.path).to.equal(file);
    l.record(createPermissionAuditEvent({ action: 'read', granted: true }));
    await l.close();
    expect(lines(file)).to.have.length(1);
  });

  describe('process exit (child processes)', () => {
    it('loses nothing when process.exit(0) follows record() immediately', async () => {
      const file = join(dir, 'exit.log');
      const { code, stderr } = await runFixture('record-then-exit.mjs', [file, '250']);
      expect(code, stderr).to.equal(0);
      const all = lines(file);
      expect(all).to.have.length(251);
      expect(all.map((e) => e.attributes[0])).to.deep.equal([
        ...Array.from({ length: 250 }, (_, i) => `field${i}`),
        'late',
      ]);
    });

    it('flushes on a natural end of the event loop (beforeExit)', async () => {
      const file = join(dir, 'natural.log');
      const { code, stderr } = await runFixture('record-then-return.mjs', [file, '120']);
      expect(code, stderr).to.equal(0);
      expect(lines(file)).to.have.length(120);
    });

    it('flushes on SIGTERM, then dies of SIGTERM when nothing else handles it', async () => {
      const file = join(dir, 'sigterm.log');
      const { code, signal, stderr } = await runFixture('record-then-wait.mjs', [file, '300'], (child) =>
        child.kill('SIGTERM'),
      );
      expect(signal, `code ${code}: ${stderr}`).to.equal('SIGTERM');
      expect(lines(file)).to.have.length(300);
    });

    it('flushes on SIGTERM and leaves the decision to the app when it has its own handler', async () => {
      const file = join(dir, 'sigterm-app.log');
      const { code, signal, stderr } = await runFixture('record-then-wait.mjs', [file, '300', 'own-handler'], (child) =>
        child.kill('SIGTERM'),
      );
      expect(signal, stderr).to.equal(null);
      expect(code).to.equal(3);
      expect(lines(file)).to.have.length(300);
    });
  });

  it('shares one set of process listeners between 50 loggers (no leak), removed with the last', async () => {
    const events = ['exit', 'beforeExit', 'SIGTERM', 'SIGINT', 'SIGHUP'];
    const before = Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
    const many = [];
    for (let i = 0; i < 50; i++) many.push(new FileAuditLogger(join(dir, `many-${i}.log`)));
    for (const e of events) {
      expect(process.listenerCount(e) - before[e], e).to.be.at.most(1);
    }
    await Promise.all(many.map((l) => l.close()));
    for (const e of events) expect(process.listenerCount(e), e).to.equal(before[e]);
  });

  it('opt-outs: handleSignals: false adds no signal listener, flushOnExit: false none at all', async () => {
    const count = (e) => process.listenerCount(e);
    const before = { exit: count('exit'), SIGTERM: count('SIGTERM') };
    const quiet = new FileAuditLogger(join(dir, 'quiet.log'), { handleSignals: false, reopenOnSighup: false });
    expect(count('SIGTERM')).to.equal(before.SIGTERM);
    expect(count('exit') - before.exit).to.be.at.most(1);
    await quiet.close();
    const silent = new FileAuditLogger(join(dir, 'silent.log'), { flushOnExit: false, reopenOnSighup: false });
    expect(count('exit')).to.equal(before.exit);
    expect(count('SIGTERM')).to.equal(before.SIGTERM);
    await silent.close();
  });
});
