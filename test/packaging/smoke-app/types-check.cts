// The CommonJS TypeScript consumer's view: the `require` condition's declarations.
import core = require('@audit-events/core');
import knexStore = require('@audit-events/knex');

const context: core.AuditContext = core.getAuditContext();
// @ts-expect-error: a misspelt option must not type-check (the declarations are really loaded)
knexStore.sqliteKnexConfig('./audit.db', { drvier: 'sqlite3' });
export = { context };
