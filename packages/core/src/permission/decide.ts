import { CheckInputRejectedError, PermissionCheckError, type PermissionDenial } from '../errors.js';
import { normalizeUser } from '../events/user.js';
import { auditLoggingEnabled, emitPermissionAuditEvent } from './configure.js';
import { markUserExplicit } from './enrich.js';
import { createPermissionAuditEvent, type PermissionAction } from './event.js';
import { ruleErrorLabel } from './rule-error-label.js';

/** A decision: denied on `proposed` when the stored state allowed but the changed one did not. */
export interface Verdict {
  granted: boolean;
  state?: 'proposed';
}

/** One check call, described for the shared decision loop. */
export interface DecisionRequest {
  action: PermissionAction;
  manager: string;
  /** Attribute names; `null` stands for the operation-level decision. */
  targets: ReadonlyArray<string | null>;
  /** Label used for a null target in events (`__mutate__` for mutations), or none. */
  operationAttribute: string | null;
  user: unknown;
  /** The user was passed to the check (not taken from the audit context). */
  userExplicit: boolean;
  bypass: boolean;
  metadata: Record<string, unknown> | undefined;
  evaluate: (target: string | null) => Promise<Verdict>;
  describe: (target: string | null) => readonly string[];
}

/**
 * Runs every decision of a check, emits one event per decision (only when a logger is
 * configured: no event, description or metadata is built otherwise), and throws one
 * PermissionCheckError listing every denial. A superuser gets `granted` + `bypassed` events
 * without any rule being evaluated. A rule that throws denies (fail closed); the event's metadata
 * names the error's class and code (`error`, never its message), the denial keeps the error.
 */
export async function decide(request: DecisionRequest): Promise<void> {
  const { action, manager, user } = request;
  if (request.bypass) {
    if (auditLoggingEnabled()) {
      for (const target of request.targets) emit(request, target, true, true, null);
    }
    return;
  }
  const denials: PermissionDenial[] = [];
  for (const target of request.targets) {
    let verdict: Verdict;
    let error: unknown;
    try {
      verdict = await request.evaluate(target);
    } catch (err) {
      verdict = { granted: false };
      error = err;
    }
    if (auditLoggingEnabled()) emit(request, target, verdict.granted, false, outcomeMetadata(verdict, error));
    if (!verdict.granted) {
      const denial: PermissionDenial = { action, attribute: target, manager, permissions: request.describe(target) };
      if (error !== undefined) denial.error = error;
      if (verdict.state !== undefined) denial.state = verdict.state;
      denials.push(denial);
    }
  }
  if (denials.length > 0) throw new PermissionCheckError(denials, safeUserId(user));
}

/** A check's input refused as a whole, before any rule ran. */
export interface Rejection {
  reason: CheckInputRejectedError['reason'];
  message: string;
  /** Bounded facts for the event's metadata (counts, the definition's own names). */
  details: Record<string, unknown>;
}

/**
 * Refuses a check's input: ONE denied operation-level event records the attempt, however large the
 * input, then the promise rejects with a CheckInputRejectedError (AUDIT_BAD_INPUT: answer 400).
 */
export function rejectCheck(request: DecisionRequest, rejection: Rejection): Promise<never> {
  if (auditLoggingEnabled()) emit(request, null, false, false, { rejected: rejection.reason, ...rejection.details });
  return Promise.reject(new CheckInputRejectedError(rejection.reason, `${request.manager}: ${rejection.message}`));
}

/** Why a decision came out as it did, for its event's metadata; null when there is nothing to say. */
function outcomeMetadata(verdict: Verdict, error: unknown): Record<string, unknown> | null {
  if (error !== undefined) return { error: `rule failed: ${ruleErrorLabel(error)}` };
  if (verdict.state !== undefined) return { denied_state: verdict.state };
  return null;
}

function emit(
  request: DecisionRequest,
  target: string | null,
  granted: boolean,
  bypassed: boolean,
  extra: Record<string, unknown> | null,
): void {
  const attribute = target ?? request.operationAttribute;
  let metadata = request.metadata ?? null;
  if (extra !== null) metadata = { ...(metadata ?? {}), ...extra };
  // A factory, so that a failure to build the event (a user object with a throwing getter) is
  // counted by emitPermissionAuditEvent instead of breaking the check.
  emitPermissionAuditEvent(() => {
    const event = createPermissionAuditEvent({
      action: request.action,
      attributes: attribute === null ? [] : [attribute],
      granted,
      bypassed,
      manager: request.manager,
      user: request.user,
      permissions: request.describe(target),
      metadata,
    });
    return request.userExplicit ? markUserExplicit(event) : event;
  });
}

function safeUserId(user: unknown): string | null {
  try {
    return normalizeUser(user)?.id ?? null;
  } catch {
    return null;
  }
}
