import { currentAuditContext, type AuditContext } from '@audit-events/core';
import { IncomingMessage } from 'node:http';

/**
 * Where `req.auditContext` lives. Express gives every request its app's prototype with
 * Object.setPrototypeOf, and on Node.js 20 and 22 (V8 12.4 and older) such an object gets a hidden
 * class of its own: adding a property to it builds a new one, ~40,000 instructions per request
 * (see docs/performance.md). So the context is not added to req. An accessor on the request
 * prototypes between the app's and Node's (Express's own `request`, which Express documents as the
 * place to extend requests, and each app's) reads it from the request's headers object, an
 * ordinary object Node makes per request, in a private field (see HeadersSlot): Object.keys,
 * JSON, spreads, Object.assign and util.inspect of req.headers cannot see it. Should a later
 * middleware replace req.headers, the accessor still answers inside the request's async context,
 * from the current context bound to this request. Requests that do not come through an Express
 * app (a plain object in a test, a bare node:http request) get an own property as before.
 */
const SLOT = Symbol.for('@audit-events/express.headersSlot');
/** The request a context was attached to: the accessor's check when req.headers was replaced. */
const REQUEST = Symbol.for('@audit-events/express.request');
/** Marks our accessor, so a second copy of this package recognises it instead of stacking its own. */
const ACCESSOR = Symbol.for('@audit-events/express.auditContextAccessor');

type Slotted = Record<PropertyKey, unknown>;

/** Its constructor returns the object it is given, so a subclass's private field lands on that object. */
class Stamped {
  constructor(target: object) {
    return target;
  }
}

/**
 * A private field on req.headers holds the request's context: invisible to every reader of the
 * headers, and a plain field store for V8 where Object.defineProperty of a non-enumerable key cost
 * ~2,400 instructions a request (Node 20). A private name belongs to one class, so the class is
 * one per process, shared by every copy of this package: each copy reads what another attached.
 */
interface HeadersSlot {
  attach(headers: object, context: AuditContext): void;
  read(headers: object): AuditContext | undefined;
}

function makeHeadersSlot(): HeadersSlot {
  class Slot extends Stamped {
    #context: AuditContext;
    constructor(headers: object, context: AuditContext) {
      super(headers);
      this.#context = context;
    }
    static attach(headers: object, context: AuditContext): void {
      // A second audit middleware on the same request (a mounted app's) replaces the context.
      if (#context in headers) (headers as Slot).#context = context;
      else new Slot(headers, context);
    }
    static read(headers: object): AuditContext | undefined {
      return #context in headers ? (headers as Slot).#context : undefined;
    }
  }
  return { attach: Slot.attach, read: Slot.read };
}

const slot: HeadersSlot = ((globalThis as Slotted)[SLOT] ??= makeHeadersSlot()) as HeadersSlot;

function getContext(this: { headers?: unknown }): AuditContext | undefined {
  const headers = this.headers;
  const attached = typeof headers === 'object' && headers !== null ? slot.read(headers) : undefined;
  if (attached !== undefined) return attached;
  const current = currentAuditContext() as (AuditContext & { [REQUEST]?: unknown }) | undefined;
  return current !== undefined && current[REQUEST] === this ? current : undefined;
}
(getContext as unknown as Slotted)[ACCESSOR] = true;

function setContext(this: object, value: unknown): void {
  // An assignment (a test stubbing the context, another middleware) makes an own property, as a
  // plain property would be; it shadows the accessor for this request only.
  Object.defineProperty(this, 'auditContext', { value, writable: true, enumerable: true, configurable: true });
}

const ACCESSOR_DESCRIPTOR: PropertyDescriptor = {
  get: getContext,
  set: setContext,
  enumerable: false,
  configurable: true,
};

/** The prototype the accessor was last checked on: one comparison per request after the first. */
let ready: object | null = null;
/** Every prototype the accessor is installed on (apps that take turns skip install()). */
const installed = new WeakSet<object>();

/**
 * Installs the accessor on every prototype of `proto`'s chain above IncomingMessage.prototype,
 * so a mounted sub-app (Express swaps req's prototype inside it) reads the same context. False
 * when the chain does not lead to IncomingMessage.prototype, or defines an auditContext of its own.
 */
function install(proto: object | null): boolean {
  const chain: object[] = [];
  for (let p = proto; p !== IncomingMessage.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (p === null) return false;
    chain.push(p);
  }
  if (chain.length === 0) return false;
  for (const p of chain) {
    const own = Object.getOwnPropertyDescriptor(p, 'auditContext');
    if (own === undefined) Object.defineProperty(p, 'auditContext', ACCESSOR_DESCRIPTOR);
    else if (!(own.get as unknown as Slotted | undefined)?.[ACCESSOR]) return false;
  }
  return true;
}

/** Makes `context` this request's `req.auditContext`; `headers` is req.headers, already read. */
export function attachContext(req: object, headers: object, context: AuditContext): void {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto !== ready) {
    if (proto === null || (!installed.has(proto) && !install(proto))) {
      (req as Slotted)['auditContext'] = context;
      return;
    }
    installed.add(proto);
    ready = proto;
  }
  (context as unknown as Slotted)[REQUEST] = req;
  slot.attach(headers, context);
}
