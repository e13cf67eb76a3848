import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import { AuditContext } from './audit-context.js';
import { registry } from '../registry.js';

/**
 * The current request's context inside any async call chain; outside a request, a fresh blank
 * context (never undefined, never a throw), so jobs and scripts can always create events.
 */
export function getAuditContext(): AuditContext {
  const current = registry().storage.getStore();
  return current instanceof AuditContext ? current : AuditContext.blank();
}

/** The current request's context, or undefined outside one. */
export function currentAuditContext(): AuditContext | undefined {
  const current = registry().storage.getStore();
  return current instanceof AuditContext ? current : undefined;
}

/** Runs `fn` with `context` as the current context for everything it starts, sync or async. */
export function runWithAuditContext<R>(context: AuditContext, fn: () => R): R {
  if (!(context instanceof AuditContext)) {
    throw new TypeError('runWithAuditContext expects an AuditContext');
  }
  return registry().storage.run(context, fn);
}

const BOUND = Symbol.for('@audit-events/core.boundEmitter');
const ADDERS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const;
type Listener = ((...args: unknown[]) => void) & { listener?: Listener };

/**
 * Makes listeners added to `emitter` from now on run in the async context current when they were
 * added. Request streams emit 'data'/'end' from the socket's context, which is why body parsers
 * (express.json, urlencoded, multer) lose AsyncLocalStorage state: binding the request's own
 * listeners keeps every middleware after them inside the request's context.
 * removeListener(original) keeps working: the bound wrapper exposes `listener`, as `once` does.
 */
export function bindEmitter(emitter: EventEmitter): void {
  const target = emitter as EventEmitter & { [BOUND]?: true };
  if (target[BOUND]) return;
  target[BOUND] = true;
  for (const name of ADDERS) {
    const original = emitter[name] as (event: string | symbol, listener: Listener) => EventEmitter;
    if (typeof original !== 'function') continue;
    Object.defineProperty(emitter, name, {
      configurable: true,
      writable: true,
      value: function (this: EventEmitter, event: string | symbol, listener: Listener) {
        if (typeof listener !== 'function') return original.call(this, event, listener);
        const bound = AsyncResource.bind(listener) as Listener;
        bound.listener = listener.listener ?? listener;
        return original.call(this, event, bound);
      },
    });
  }
}
