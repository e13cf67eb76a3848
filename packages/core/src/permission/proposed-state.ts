import { foldAttributeName } from './attribute-names.js';

/**
 * The state an update or a mutation would leave behind: the stored instance with the changes laid
 * over it. Rules judge it AFTER the stored instance has passed, so a request body can add
 * conditions (an owner may not give the object away) but never satisfy a check on its own.
 * Fields are read case-insensitively, as SQLite and MySQL write them: a `CreatorId` change is
 * what a rule reading `creatorId` sees. Callers reject bodies naming one field twice first.
 */
export function proposedState(stored: object, changes: Record<string, unknown>, applies: (key: string) => boolean): object {
  const layer = Object.create(stored) as Record<string, unknown>;
  const byFolded = new Map<string, unknown>();
  for (const key of Object.keys(changes)) {
    if (!applies(key)) continue;
    // defineProperty, not assignment: a `__proto__` key stays data, and a read-only or frozen
    // stored field is shadowed instead of throwing.
    Object.defineProperty(layer, key, { value: changes[key], enumerable: true, writable: true, configurable: true });
    byFolded.set(foldAttributeName(key), changes[key]);
  }
  return new Proxy(layer, {
    get(target, property, receiver) {
      if (typeof property === 'string') {
        const folded = foldAttributeName(property);
        if (byFolded.has(folded)) return byFolded.get(folded);
      }
      return Reflect.get(target, property, receiver);
    },
    has(target, property) {
      return (typeof property === 'string' && byFolded.has(foldAttributeName(property))) || Reflect.has(target, property);
    },
  });
}
