// A deep body must never make an action unauditable (issue 16, item 3): MariaDB stores at most 31
// nested objects/arrays (JSON_DEPTH 32, scalars counted), and a body nested 40 levels failed the
// event (503) after the action was done. Captured post_data is clamped the same way on every
// dialect: the subtree past level 31 becomes a marker, the rest (masked) is stored.
import { expect } from 'chai';
import { MASK } from '@audit-events/core';
import { KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { listen, send } from '../helpers/http-load.js';
import { buildHandler } from '../fixtures/reliability/app.js';
import { dropTables, json } from './support.js';
import { MARK } from './hostile-support.js';

const TOO_DEEP = '[nested deeper than 31 levels]';

/** `{ level: 1, next: { level: 2, … } }`, `depth` objects deep, a secret at every level. */
function deepBody(depth) {
  let inner = { level: depth, password: `${MARK}${depth}` };
  for (let level = depth - 1; level >= 1; level--) inner = { level, password: `${MARK}${level}`, next: inner };
  return inner;
}

/** Levels of `{ next }` stored, and what the last `next` holds. */
function walk(stored) {
  let levels = 1;
  let node = stored;
  while (node.next !== null && typeof node.next === 'object') {
    node = node.next;
    levels++;
  }
  return { levels, last: node.next };
}

forEachDialect('reliability: deep bodies are clamped and stored on every dialect', (ctx) => {
  const tables = [];
  afterEach(async () => {
    await dropTables(ctx.knex, tables);
  });

  for (const depth of [31, 32, 33, 40, 500]) {
    it(`a JSON body nested ${depth} levels (and as text/plain): 200, the event stored with the deep part replaced by a marker`, async () => {
      const tableName = uniqueTable('rl_deep');
      tables.push(tableName, `${tableName}_arc`);
      const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
      await store.migrate();
      const app = await listen(
        buildHandler('express', {
          store,
          audit: { includePostData: true, includeQueryParams: true, maxBodyBytes: 1 << 20 },
        }),
      );
      const body = JSON.stringify(deepBody(depth));
      const answers = [];
      try {
        for (const type of ['application/json', 'text/plain']) {
          answers.push(
            await send(app.port, undefined, 0, {
              method: 'POST',
              path: '/orders/1?a[b][c]=1',
              headers: { 'content-type': type },
              body,
            }),
          );
        }
      } finally {
        await app.close();
      }
      for (const res of answers) expect(res.status, res.text).to.equal(200);
      const rows = await ctx.knex(tableName).select('*');
      expect(rows).to.have.length(2);
      for (const row of rows) {
        expect(JSON.stringify(row)).to.not.include(MARK);
        const stored = json(row.post_data);
        expect(stored.password).to.equal(MASK);
        const { levels, last } = walk(stored);
        if (depth <= 31) {
          expect(levels).to.equal(depth);
          expect(last).to.equal(undefined);
        } else {
          expect(levels).to.equal(31); // 31 objects, the marker string where the 32nd would nest
          expect(last).to.equal(TOO_DEEP);
        }
      }
    });
  }
});
