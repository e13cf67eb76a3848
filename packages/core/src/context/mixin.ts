import { AuditContext } from './audit-context.js';
import { getAuditContext } from './current.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = abstract new (...args: any[]) => T;

export interface WithAuditContext {
  /** The context this instance's events use: the one assigned, else the current one. */
  auditContext: AuditContext;
}

/**
 * django-audit-events' AuditContextMixin for classes: gives instances an `auditContext` that
 * defaults to the current request's context. Assigning null or a non-context is a TypeError.
 */
export function AuditContextMixin<TBase extends Constructor>(Base: TBase): TBase & Constructor<WithAuditContext> {
  abstract class Audited extends Base implements WithAuditContext {
    #auditContext: AuditContext | undefined;

    get auditContext(): AuditContext {
      return this.#auditContext ?? getAuditContext();
    }

    set auditContext(value: AuditContext) {
      if (value === null || value === undefined) {
        throw new TypeError('auditContext cannot be null or undefined');
      }
      if (!(value instanceof AuditContext)) {
        throw new TypeError('auditContext must be an AuditContext');
      }
      this.#auditContext = value;
    }
  }
  return Audited;
}
