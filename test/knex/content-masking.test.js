// Issue 16, item 9 end to end on SQLite: an Express route's event content and permission metadata
// reach the database masked with the app's maskPostFields; the raw values are nowhere in the rows.
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { MASK, configureAuditLogger, definePermission } from '@audit-events/core';
import { auditContext } from '@audit-events/express';
import { DatabaseAuditLogger } from '@audit-events/knex';
import { forEachDialect, uniqueTable } from '../helpers/databases.js';
import { dropAll, openStore } from './support.js';

const Note = definePermission({ manager: 'Note', delete: ['isAuthenticated'] });

function parse(value) {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

forEachDialect(
  'masked content and metadata in the database',
  (ctx) => {
    const tables = [];
    afterEach(async () => {
      await configureAuditLogger(null);
      await dropAll(ctx.knex, tables);
    });

    it('KnexEventStore content and DatabaseAuditLogger metadata are stored masked', async () => {
      const store = await openStore(ctx.knex, tables);
      const logTable = uniqueTable('pal');
      tables.push(logTable);
      const logger = new DatabaseAuditLogger({ knex: ctx.knex, tableName: logTable, flushOnExit: false });
      await configureAuditLogger(logger);
      const app = express();
      app.use(
        auditContext({
          store,
          includePostData: true,
          maskPostFields: ['internal_note'],
          extraData: { session: 'sess-1' },
        }),
      );
      app.use(express.json());
      app.use((req, _res, next) => {
        req.user = { id: 1, username: 'ann' };
        next();
      });
      app.post('/notes/:id', async (req, res) => {
        await Note.checkDelete(
          { id: 3 },
          { metadata: { internal_note: req.body.internal_note, password: req.body.password } },
        );
        const event = await req.auditContext.createEvent(
          { type: 'note', id: 3 },
          { ...req.body, auth: 'Bearer abc.def.ghi' },
        );
        res.json(event);
      });
      await request(app)
        .post('/notes/3')
        .send({ title: 'Q3', internal_note: 'fraud suspected', password: 'hunter2' })
        .expect(200);
      await logger.flush();

      const { events } = await store.find({ contentType: 'note' });
      expect(events).to.have.length(1);
      expect(events[0].content).to.deep.equal({
        session: MASK,
        title: 'Q3',
        internal_note: MASK,
        password: MASK,
        auth: MASK,
      });
      const [row] = await ctx.knex(logTable);
      expect(parse(row.metadata)).to.include({ internal_note: MASK, password: MASK, method: 'POST' });

      const dump = JSON.stringify([await ctx.knex(tables[0]), await ctx.knex(logTable)]);
      for (const secret of ['fraud suspected', 'hunter2', 'sess-1', 'abc.def.ghi']) expect(dump).not.to.include(secret);
      await logger.close();
    });
  },
  { dialects: ['sqlite'] },
);
