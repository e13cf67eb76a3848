import { createHash } from 'node:crypto';

/** `<table>_<column>_idx`, shortened with a hash when it would pass the 63-character identifier limit. */
export function indexName(tableName: string, column: string): string {
  const base = tableName.replace('.', '_');
  const name = `${base}_${column}_idx`;
  if (name.length <= 63) return name;
  const hash = createHash('sha1').update(tableName).digest('hex').slice(0, 8);
  const suffix = `_${hash}_${column}_idx`;
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}
