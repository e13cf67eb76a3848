// Hostile input, one fixed case per dialect: secrets nested in a JSON body, a form-style query and
// credential headers, stored through KnexEventStore and DatabaseAuditLogger on SQLite, MariaDB and
// PostgreSQL; both tables read back with plain SQL hold no secret in any column.
import { expect } from 'chai';
import { configureAuditLogger, MASK } from '@audit-events/core';
import { DatabaseAuditLogger, KnexEventStore } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { listen, send } from '../helpers/http-load.js';
import { buildHandler } from '../fixtures/reliability/app.js';
import { dropTables, json, permissionRows } from './support.js';
import { CAPTURE_ALL, MARK, metadataWithInput } from './hostile-support.js';

forEachDialect('reliability: hostile input stored on each dialect', (ctx) => {
  const tables = [];
  afterEach(async () => {
    await configureAuditLogger(null);
    await dropTables(ctx.knex, tables);
  });

  it('secrets at any depth of body, query and headers never reach either table in clear', async () => {
    const tableName = uniqueTable('rl_hdb');
    const permTable = uniqueTable('rl_hdbperm');
    tables.push(tableName, `${tableName}_arc`, permTable);
    const store = new KnexEventStore(ctx.knex, { tableName, archiveTableName: `${tableName}_arc` });
    await store.migrate();
    const logger = new DatabaseAuditLogger({ knex: ctx.knex, tableName: permTable });
    await configureAuditLogger(logger);
    const app = await listen(buildHandler('express', { store, audit: CAPTURE_ALL, metadata: metadataWithInput }));
    const body = {
      user: {
        name: 'ann',
        PassWord: `${MARK}1`,
        profile: { devices: [{ accessToken: `${MARK}2` }, { refresh_TOKEN: `${MARK}3` }] },
      },
      payment: { card: { number: `${MARK}4`, cvv: `${MARK}5`, holder: 'ANN' }, credit_card: { any: `${MARK}6` } },
      list: [[{ Api_Key: `${MARK}7` }], { nested: { deeper: { client_secret: `${MARK}8`, ok: 'é日本\u0000' } } }],
      ['__proto__']: { authorization: `${MARK}9` },
    };
    const query = `card[cvc]=${MARK}10&user%5Bpassword%5D=${MARK}11&session_id=${MARK}12&q=shoes`;
    let res;
    try {
      res = await send(app.port, undefined, 0, {
        method: 'POST',
        path: `/orders/1?${query}`,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${MARK}13`,
          cookie: `sid=${MARK}14`,
          'x-api-key': `${MARK}15`,
          'x-auth-token': `${MARK}16`,
          'x-team': 'blue',
        },
        body: JSON.stringify(body),
      });
    } finally {
      await app.close();
    }
    expect(res.status, res.text).to.equal(200);
    await logger.flush();
    const events = await ctx.knex(tableName).select('*');
    expect(events).to.have.length(1);
    expect(JSON.stringify(events), 'event row').not.to.include(MARK);
    const [event] = events;
    const post = json(event.post_data);
    expect(post.user.PassWord).to.equal(MASK);
    expect(post.payment.card).to.deep.equal({ number: MASK, cvv: MASK, holder: 'ANN' });
    expect(post.list[1].nested.deeper.ok).to.match(/^é日本/); // kept (PostgreSQL: NUL replaced)
    expect(json(event.query_params)).to.deep.include({ 'card[cvc]': MASK, 'user[password]': MASK, q: 'shoes' });
    expect(json(event.headers)).to.deep.include({
      authorization: MASK,
      cookie: MASK,
      'x-api-key': MASK,
      'x-auth-token': MASK,
      'x-team': 'blue',
    });
    const perms = await permissionRows(ctx.knex, permTable);
    // Regression: a NUL character in the body made the PostgreSQL insert fail and the event was lost.
    expect({ written: logger.writtenCount, failed: logger.failedCount }).to.deep.equal({ written: 1, failed: 0 });
    expect(perms).to.have.length(1);
    expect(JSON.stringify(perms), 'permission row').not.to.include(MARK);
    expect(perms[0].metadata.input.user.profile.devices).to.deep.equal([
      { accessToken: MASK },
      { refresh_TOKEN: MASK },
    ]);
    expect(perms[0].metadata.request_id).to.equal(event.request_id);
  });
});
