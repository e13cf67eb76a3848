// A real OpenTelemetry context manager (AsyncLocalStorage-based, like
// @opentelemetry/context-async-hooks) registered with @opentelemetry/api, and spans from known ids.
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';

class AlsContextManager {
  #storage = new AsyncLocalStorage();
  active() {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with(ctx, fn, thisArg, ...args) {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind(ctx, target) {
    if (typeof target !== 'function') return target;
    const manager = this;
    return function bound(...args) {
      return manager.with(ctx, () => target.apply(this, args));
    };
  }
  enable() {
    return this;
  }
  disable() {
    this.#storage.disable();
    return this;
  }
}

/** Registers the manager globally; returns a function that unregisters it (call it in `after`). */
export function installContextManager() {
  const ok = context.setGlobalContextManager(new AlsContextManager());
  if (!ok) throw new Error('another OpenTelemetry context manager is already registered');
  return () => context.disable();
}

let counter = 0;
/** Ids of a new sampled span: 32 and 16 lowercase hex digits. */
export function newIds() {
  counter++;
  const hex = (n, width) => n.toString(16).padStart(width, '0');
  return { traceId: `4bf92f3577b34da6a3ce929d${hex(counter, 8)}`, spanId: `00f067aa${hex(counter, 8)}` };
}

/** Runs `fn` with a span of `ids` active (as an instrumented server would around a request). */
export function withSpan(ids, fn) {
  const span = trace.wrapSpanContext({ traceId: ids.traceId, spanId: ids.spanId, traceFlags: TraceFlags.SAMPLED });
  return context.with(trace.setSpan(context.active(), span), fn);
}
