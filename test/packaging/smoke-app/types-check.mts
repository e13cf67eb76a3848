// Compiled (noEmit) by install-tarballs.test.js in the fresh app: the exports maps' `types`
// conditions give an ES module TypeScript consumer the declarations, with real types, not `any`.
import { AuditContext, getAuditContext, MemoryEventStore } from '@audit-events/core';
import { auditContext } from '@audit-events/express';
import { auditContext as koaAuditContext } from '@audit-events/koa';
import { KnexEventStore, sqliteKnexConfig } from '@audit-events/knex';
import { run } from '@audit-events/cli';

const context: AuditContext = getAuditContext();
const requestId: string | null | undefined = context.requestId;
const config = sqliteKnexConfig('./audit.db');
const middlewares = [auditContext({ store: new MemoryEventStore() }), koaAuditContext({})];
// @ts-expect-error: a misspelt option must not type-check (the declarations are really loaded)
sqliteKnexConfig('./audit.db', { drvier: 'sqlite3' });
export { config, middlewares, requestId, run, KnexEventStore };
