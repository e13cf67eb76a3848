// A batch's INSERT text is looked up by SQLite's prepared-statement cache on every batch: built anew,
// it is a new string of kilobytes of placeholders that V8 hashes and compares against the cached
// one (~40 µs a batch here). planStatements hands out the same string for the same shape and row
// count instead; what must hold is that the text is still exactly the one the rows need.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { planStatements } = require('../../packages/knex/dist/cjs/writer/insert-rows.js');
const { statementText, keptStatementTexts } = require('../../packages/knex/dist/cjs/writer/statement-texts.js');

const limits = { maxBindParameters: 999, maxStatementChars: 2_000_000 };
const rows = (n, extra = {}) => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, content: '{}', ...extra }));

describe('statement texts', () => {
  it('the same shape and row count give the same string, built as a join would', () => {
    const first = planStatements('audit_events', rows(45), limits, 'sqlite')[0].sql;
    const kept = keptStatementTexts().texts;
    const second = planStatements('audit_events', rows(45), limits, 'sqlite')[0].sql;
    // JavaScript cannot tell two equal strings apart; that the second came from the kept texts
    // shows in their count (what it saves is timed in docs/performance-history.md, sixteenth pass).
    assert.equal(keptStatementTexts().texts, kept);
    assert.equal(first, second);
    planStatements('audit_events', rows(44), limits, 'sqlite');
    assert.equal(keptStatementTexts().texts, kept + 1);
    assert.equal(first, `insert into "audit_events" ("id", "content") values ${Array(45).fill('(?, ?)').join(', ')}`);
  });

  it('row counts, columns, tables and the duplicate-id clause each get their own text', () => {
    const plain = planStatements('audit_events', rows(3), limits, 'sqlite')[0].sql;
    const fewer = planStatements('audit_events', rows(2), limits, 'sqlite')[0].sql;
    const wider = planStatements('audit_events', rows(3, { url: '/x' }), limits, 'sqlite')[0].sql;
    const other = planStatements('other_events', rows(3), limits, 'sqlite')[0].sql;
    const ignoring = planStatements('audit_events', rows(3), { ...limits, onDuplicateId: 'ignore' }, 'sqlite')[0].sql;
    const mysql = planStatements('audit_events', rows(3), limits, 'mysql')[0].sql;
    assert.equal(new Set([plain, fewer, wider, other, ignoring, mysql]).size, 6);
    assert.equal(fewer, 'insert into "audit_events" ("id", "content") values (?, ?), (?, ?)');
    assert.equal(wider, 'insert into "audit_events" ("id", "content", "url") values (?, ?, ?), (?, ?, ?), (?, ?, ?)');
    assert.ok(ignoring.endsWith('(?, ?), (?, ?), (?, ?) on conflict ("id") do nothing'), ignoring);
    assert.equal(mysql, 'insert into `audit_events` (`id`, `content`) values (?, ?), (?, ?), (?, ?)');
  });

  it('a batch split by the bind limit gets full statements and a shorter last one', () => {
    const statements = planStatements('audit_events', rows(7), { ...limits, maxBindParameters: 6 }, 'sqlite');
    assert.deepEqual(
      statements.map((s) => s.bindings.length / 2),
      [3, 3, 1],
    );
    assert.equal(statements[0].sql, statements[1].sql);
    assert.equal(statements[2].sql, 'insert into "audit_events" ("id", "content") values (?, ?)');
    assert.deepEqual(
      statements.flatMap((s) => s.bindings),
      rows(7).flatMap((r) => [r.id, r.content]),
    );
  });

  it('what is kept stays bounded: past 4M characters the texts are dropped and rebuilt', () => {
    const tuple = `(${Array(100).fill('?').join(', ')})`; // 298 characters
    const before = statementText('insert into "t" values ', tuple, '', 10);
    for (let n = 1; n <= 200; n++) statementText('insert into "bound" values ', tuple, '', n * 10);
    const { chars } = keptStatementTexts();
    assert.ok(chars <= 4_000_000, `${chars} characters kept`);
    // Rebuilt after the drop: equal, even if not the same string any more.
    assert.equal(statementText('insert into "t" values ', tuple, '', 10), before);
    // A text larger than the whole budget is built and not kept.
    const huge = statementText('insert into "huge" values ', tuple, '', 15_000);
    assert.equal(huge.length, 'insert into "huge" values '.length + 15_000 * tuple.length + 14_999 * 2);
    assert.ok(keptStatementTexts().chars <= 4_000_000);
  });
});
