import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Process-wide state, kept on globalThis under a registered symbol so that two copies of this
 * package (two versions in node_modules, or a bundled copy) share one AsyncLocalStorage, one
 * configured store, one configured logger and one masking configuration. Without it a context set
 * by one copy is invisible to the other.
 */
export interface Registry {
  readonly storage: AsyncLocalStorage<unknown>;
  eventStore: unknown;
  auditLogger: unknown;
  /** configureMasking()'s state; absent in a registry made by an older copy (read as "defaults"). */
  masking?: unknown;
}

const KEY = Symbol.for('@audit-events/core.registry');

type GlobalWithRegistry = typeof globalThis & { [KEY]?: Registry };

export function registry(): Registry {
  const g = globalThis as GlobalWithRegistry;
  let r = g[KEY];
  if (r === undefined) {
    r = { storage: new AsyncLocalStorage<unknown>(), eventStore: null, auditLogger: null };
    g[KEY] = r;
  }
  return r;
}
