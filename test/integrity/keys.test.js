// Issue 22, keyed tamper evidence: key providers and their validation. Secrets must never appear
// in an error message, in util.inspect or in JSON of a key set.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Knex from 'knex';
import { ConfigurationError } from '@audit-events/core';
import {
  generateKeyEntry,
  KeySet,
  keySetFromEnv,
  keySetFromFile,
  KnexEventStore,
  parseKeySet,
} from '@audit-events/knex';
import { tempDir } from '../helpers/databases.js';

const secret = () => randomBytes(32).toString('base64');

/** Asserts `fn` throws a ConfigurationError whose message and stack do not contain `secrets`. */
function throwsWithout(fn, secrets, pattern) {
  let caught;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a throw').to.be.instanceOf(ConfigurationError);
  expect(caught.code).to.equal('AUDIT_BAD_CONFIG');
  if (pattern) expect(caught.message).to.match(pattern);
  for (const s of secrets) {
    expect(caught.message).not.to.include(s);
    expect(caught.stack).not.to.include(s);
    expect(inspect(caught)).not.to.include(s);
  }
  return caught;
}

describe('keyed integrity: key sets and validation (issue 22)', () => {
  it('parses a key set with several keys, one current; get() finds retired keys too', () => {
    const set = parseKeySet(
      JSON.stringify({
        current: 'k2',
        keys: [
          { id: 'k1', secret: secret(), retired: true },
          { id: 'k2', secret: secret() },
        ],
      }),
      'test',
    );
    expect(set.currentId).to.equal('k2');
    expect(set.current().id).to.equal('k2');
    expect(set.get('k1').retired).to.equal(true);
    expect(set.get('nope')).to.equal(undefined);
    expect(set.ids()).to.deep.equal(['k2', 'k1']);
  });

  it('rejects short keys, bad ids, duplicates, an unknown or retired current key — without echoing secrets', () => {
    const short = randomBytes(31).toString('base64');
    throwsWithout(
      () => parseKeySet(JSON.stringify({ current: 'a', keys: [{ id: 'a', secret: short }] }), 't'),
      [short],
      /31 bytes; at least 32/,
    );
    const good = secret();
    throwsWithout(
      () => parseKeySet(JSON.stringify({ current: 'A b', keys: [{ id: 'A b', secret: good }] }), 't'),
      [good],
      /key id must be/,
    );
    throwsWithout(
      () =>
        parseKeySet(
          JSON.stringify({
            current: 'a',
            keys: [
              { id: 'a', secret: good },
              { id: 'a', secret: good },
            ],
          }),
          't',
        ),
      [good],
      /appears twice/,
    );
    throwsWithout(
      () => parseKeySet(JSON.stringify({ current: 'b', keys: [{ id: 'a', secret: good }] }), 't'),
      [good],
      /does not hold/,
    );
    throwsWithout(
      () => parseKeySet(JSON.stringify({ current: 'a', keys: [{ id: 'a', secret: good, retired: true }] }), 't'),
      [good],
      /retired/,
    );
    throwsWithout(
      () => parseKeySet(JSON.stringify({ current: 'a', keys: [{ id: 'a', secret: `${good}!!` }] }), 't'),
      [good],
      /base64/,
    );
    // JSON.parse's own message quotes the text around the error: it must not reach ours.
    const broken = `{"current":"a","keys":[{"id":"a","secret":"${good}" oops}]}`;
    throwsWithout(
      () => parseKeySet(broken, 'AUDIT_EVENTS_KEYS'),
      [good, good.slice(0, 10)],
      /AUDIT_EVENTS_KEYS: is not valid JSON/,
    );
  });

  it('never shows a secret in inspect() or JSON of a key set', () => {
    const s = secret();
    const set = parseKeySet(JSON.stringify({ current: 'a', keys: [{ id: 'a', secret: s }] }), 't');
    expect(inspect(set, { depth: 10, showHidden: true })).not.to.include(s);
    expect(JSON.stringify(set)).to.equal('{"current":"a","keys":["a"]}');
    expect(inspect(set.current(), { depth: 10 })).not.to.include(s);
    expect(inspect(set.current().secret.export().toString('base64'))).to.include(s); // the bytes are there, only hidden
  });

  it('reads a key set from an environment variable and from a file', () => {
    const text = JSON.stringify({ current: 'k1', keys: [{ id: 'k1', secret: secret() }] });
    expect(keySetFromEnv('MY_KEYS', { MY_KEYS: text }).currentId).to.equal('k1');
    throwsWithout(() => keySetFromEnv('MY_KEYS', {}), [], /MY_KEYS: environment variable is not set/);
    const file = join(tempDir(), 'keys.json');
    writeFileSync(file, text, { mode: 0o600 });
    expect(keySetFromFile(file).currentId).to.equal('k1');
    throwsWithout(() => keySetFromFile(join(tempDir(), 'missing.json')), [], /cannot read key set file .*ENOENT/);
  });

  it('generateKeyEntry() makes a valid 32-byte key with an id', () => {
    const entry = generateKeyEntry('k-2026');
    expect(entry.id).to.equal('k-2026');
    expect(Buffer.from(entry.secret, 'base64')).to.have.length(32);
    expect(generateKeyEntry().id).to.match(/^k\d{8}-\d{6}$/);
    expect(new KeySet([entry], 'k-2026').current().id).to.equal('k-2026');
  });

  it('a store with a bad key or a throwing provider fails at start-up with a ConfigurationError', () => {
    const knex = Knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    try {
      const short = randomBytes(16);
      throwsWithout(
        () => new KnexEventStore(knex, { integrity: { key: { id: 'k1', secret: short } } }),
        [short.toString('base64')],
        /16 bytes/,
      );
      throwsWithout(
        () => new KnexEventStore(knex, { integrity: { key: { id: 'K!', secret: secret() } } }),
        [],
        /key id must be/,
      );
      const s = secret();
      const throwing = {
        current() {
          throw new Error(`vault said ${s}`);
        },
        get: () => undefined,
      };
      throwsWithout(
        () => new KnexEventStore(knex, { integrity: { keys: throwing } }),
        [s],
        /current\(\) failed: Error/,
      );
      throwsWithout(
        () => new KnexEventStore(knex, { integrity: { keys: { current: 1 } } }),
        [],
        /must be a key provider/,
      );
      throwsWithout(
        () => new KnexEventStore(knex, { integrity: { key: { id: 'a', secret: s }, keys: throwing } }),
        [s],
        /key or keys, not both/,
      );
    } finally {
      void knex.destroy();
    }
  });
});
