import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import { AuditContext } from './audit-context.js';
import { registry } from '../registry.js';

/**
 * The context to record with: the current request's inside any async call chain; outside a
 * request, a fresh blank context (never undefined, never a throw), so jobs and scripts can always
 * create events. To ask whether there is a request, use currentAuditContext().
 */
export function getAuditContext(): AuditContext {
  const current = registry().storage.getStore();
  return current instanceof AuditContext ? current : AuditContext.blank();
}

/** Whether (and which) request is current: its context, or undefined outside one; never a blank one. */
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
type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };
type Adder = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

/**
 * Makes listeners added to `emitter` from now on run in the async context current when they were
 * added. Request streams emit 'data'/'end' from the socket's context, which is why a body parser
 * that calls next() from its 'end' listener loses AsyncLocalStorage state: binding the request's
 * own listeners keeps every middleware after it inside the request's context.
 * removeListener(original) keeps working: each wrapper exposes `listener`, as Node's `once` does.
 * `once` is implemented here rather than through Node's (which would wrap our wrapper and then
 * fail to remove it after it fired, leaking one listener per call).
 */
export function bindEmitter(emitter: EventEmitter): void {
  const target = emitter as EventEmitter & { [BOUND]?: true };
  const slots = emitter as unknown as Record<string, unknown>;
  if (target[BOUND]) return;
  target[BOUND] = true;
  // An AsyncResource per listener keeps every AsyncLocalStorage (ours, OpenTelemetry's…) as it was
  // when the listener was added; cheaper than AsyncResource.bind, which also builds a deprecated getter.
  const wrap = (listener: Listener): Listener => {
    const scope = new AsyncResource('audit-events.listener');
    const bound: Listener = function (this: unknown, ...args: unknown[]) {
      return scope.runInAsyncScope(listener, this, ...args);
    };
    bound.listener = listener;
    return bound;
  };
  const on = emitter.on as Adder;
  const prepend = emitter.prependListener as Adder;
  const patch = (
    name: 'on' | 'addListener' | 'prependListener' | 'once' | 'prependOnceListener',
    adder: Adder,
    once: boolean,
  ) => {
    if (typeof adder !== 'function') return; // an emitter-like object without this method
    // Plain assignment, not defineProperty: every request takes the same hidden-class transitions.
    slots[name] = function (this: EventEmitter, event: string | symbol, listener: Listener) {
      if (typeof listener !== 'function') return adder.call(this, event, listener); // let Node throw its usual error
      return adder.call(this, event, once ? onceWrapper(this, event, listener, wrap(listener)) : wrap(listener));
    };
  };
  patch('on', on, false);
  patch('addListener', emitter.addListener as Adder, false);
  patch('prependListener', prepend, false);
  patch('once', on, true);
  patch('prependOnceListener', prepend, true);
}

function onceWrapper(emitter: EventEmitter, event: string | symbol, listener: Listener, bound: Listener): Listener {
  let fired = false;
  const wrapper: Listener = function (this: unknown, ...args: unknown[]) {
    if (fired) return undefined;
    fired = true;
    emitter.removeListener(event, wrapper);
    return bound.apply(this, args);
  };
  wrapper.listener = listener;
  return wrapper;
}
