import { foldAttributeName } from './attribute-names.js';

/**
 * The state an update or a mutation would leave behind: the stored instance with the changes laid
 * over it. Rules judge it AFTER the stored instance has passed, so a request body can add
 * conditions (an owner may not give the object away) but never satisfy a check on its own.
 * Fields are read as the database would write them (attribute-names.ts): a `CreatorId` change is
 * what a rule reading `creatorId` sees. Callers reject bodies naming one field twice first.
 *
 * A Proxy over an empty object inheriting from `stored`: the stored instance is never written to
 * (a frozen one is fine), its getters run with the proposed state as `this`, a `__proto__` key is
 * just a field, and the changes read as own enumerable properties (Object.keys, `in`).
 */
export function proposedState(
  stored: object,
  changes: Record<string, unknown>,
  applies: (key: string) => boolean,
): object {
  const exact = new Map<string, unknown>();
  const byFolded = new Map<string, unknown>();
  for (const key of Object.keys(changes)) {
    if (!applies(key)) continue;
    exact.set(key, changes[key]);
    byFolded.set(foldAttributeName(key), changes[key]);
  }
  return new Proxy(Object.create(stored) as object, new ChangesOver(exact, byFolded));
}

class ChangesOver implements ProxyHandler<object> {
  readonly #exact: ReadonlyMap<string, unknown>;
  readonly #byFolded: ReadonlyMap<string, unknown>;

  constructor(exact: ReadonlyMap<string, unknown>, byFolded: ReadonlyMap<string, unknown>) {
    this.#exact = exact;
    this.#byFolded = byFolded;
  }

  get(target: object, property: string | symbol, receiver: unknown): unknown {
    if (typeof property === 'string') {
      const folded = foldAttributeName(property);
      if (this.#byFolded.has(folded)) return this.#byFolded.get(folded);
    }
    return Reflect.get(target, property, receiver);
  }

  has(target: object, property: string | symbol): boolean {
    return (
      (typeof property === 'string' && this.#byFolded.has(foldAttributeName(property))) || Reflect.has(target, property)
    );
  }

  ownKeys(target: object): Array<string | symbol> {
    return [...new Set([...this.#exact.keys(), ...Reflect.ownKeys(target)])];
  }

  getOwnPropertyDescriptor(target: object, property: string | symbol): PropertyDescriptor | undefined {
    if (typeof property === 'string' && this.#exact.has(property)) {
      // Configurable, as the Proxy invariants require for a property the target does not have.
      return { value: this.#exact.get(property), enumerable: true, writable: true, configurable: true };
    }
    return Reflect.getOwnPropertyDescriptor(target, property);
  }
}
