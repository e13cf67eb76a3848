// Connections for the storage benchmarks: the same loopback services as the tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BENCH_DIALECTS = (process.env.AUDIT_BENCH_DIALECTS ?? 'sqlite,mysql,postgres').split(',');

let dir;
export function benchKnexConfig(dialect, name = 'bench') {
  switch (dialect) {
    case 'sqlite': {
      dir ??= mkdtempSync(join(tmpdir(), 'audit-bench-db-'));
      return { sqliteFile: join(dir, `${name}.db`) };
    }
    case 'mysql':
      return {
        client: 'mysql2',
        connection: process.env.AUDIT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
        pool: { min: 0, max: 10 },
      };
    case 'postgres':
      return {
        client: 'pg',
        connection: process.env.AUDIT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        pool: { min: 0, max: 10 },
      };
    default:
      throw new Error(`unknown dialect ${dialect}`);
  }
}

/** A knex instance for a config from benchKnexConfig (SQLite through sqliteKnexConfig: WAL, busy timeout). */
export async function openKnex(config) {
  const Knex = (await import('knex')).default;
  if (config.sqliteFile) {
    const { sqliteKnexConfig } = await import('@audit-events/knex');
    return Knex(sqliteKnexConfig(config.sqliteFile));
  }
  return Knex(config);
}
