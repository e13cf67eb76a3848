import type { AuditContext } from '@audit-events/core';
import { IncomingMessage } from 'node:http';

/**
 * `req.auditContext` without adding a property to every request. On Node.js 20 and 22, Express's
 * per-request Object.setPrototypeOf gives each req a hidden class of its own, so adding a property
 * builds another one (~2.5 µs a request). Instead an accessor is defined once on the request
 * prototype an Express copy shares between its apps (the object just above
 * http.IncomingMessage.prototype), and each request's context lives in a WeakMap keyed by the
 * request. The map is process-wide (Symbol.for), so two installed copies of this package read
 * each other's contexts through whichever accessor was defined first.
 */
const MAP_KEY = Symbol.for('@audit-events/express.requestContexts');
const ACCESSOR = Symbol.for('@audit-events/express.requestContextAccessor');

type Shared = typeof globalThis & { [MAP_KEY]?: WeakMap<object, AuditContext> };
const contexts = ((globalThis as Shared)[MAP_KEY] ??= new WeakMap<object, AuditContext>());

/** Per request prototype: true when the accessor serves its requests, false for own properties. */
const viaAccessor = new WeakMap<object, boolean>();

function get(this: object): AuditContext | undefined {
  return contexts.get(this);
}
// Code that assigns req.auditContext itself (a test, another middleware) is obeyed.
function set(this: object, value: AuditContext): void {
  contexts.set(this, value);
}
Object.defineProperty(get, ACCESSOR, { value: true });

/** Makes `req.auditContext` return `context`. */
export function setRequestContext(req: object, context: AuditContext): void {
  const proto = Object.getPrototypeOf(req) as object | null;
  let accessor = proto === null ? false : viaAccessor.get(proto);
  if (accessor === undefined) {
    accessor = installAccessor(proto!);
    viaAccessor.set(proto!, accessor);
  }
  if (accessor) contexts.set(req, context);
  else (req as { auditContext?: AuditContext }).auditContext = context;
}

/**
 * Defines the accessor on the topmost prototype below http.IncomingMessage.prototype, once; false
 * when there is none (a request that is not Express's, or an http2 one) or it is taken.
 */
function installAccessor(proto: object): boolean {
  let target: object | null = null;
  let p: object | null = proto;
  while (p !== null && p !== IncomingMessage.prototype) {
    target = p;
    p = Object.getPrototypeOf(p) as object | null;
  }
  if (p === null || target === null) return false;
  const own = Object.getOwnPropertyDescriptor(target, 'auditContext');
  if (own !== undefined) return (own.get as { [ACCESSOR]?: boolean } | undefined)?.[ACCESSOR] === true;
  if (!Object.isExtensible(target)) return false;
  Object.defineProperty(target, 'auditContext', { configurable: true, enumerable: false, get, set });
  return true;
}
