import type { PermissionAuditEvent } from '../permission/event.js';

/**
 * Errors that say the events themselves are at fault, so a retry cannot succeed. Matched by code,
 * not class, so a second copy of the core package is understood too.
 */
const REFUSAL_CODES = new Set(['AUDIT_EVENT_REJECTED', 'AUDIT_BAD_EVENT', 'AUDIT_NOT_JSON']);

export function isRefusal(err: unknown): boolean {
  return err !== null && typeof err === 'object' && REFUSAL_CODES.has(String((err as { code?: unknown }).code));
}

/** The event an EventRejectedError names, when it is one of `events`. */
export function culpritOf(error: unknown, events: readonly PermissionAuditEvent[]): PermissionAuditEvent | undefined {
  const event = (error as { event?: unknown } | null)?.event;
  return event !== undefined && events.includes(event as PermissionAuditEvent)
    ? (event as PermissionAuditEvent)
    : undefined;
}

/** One batch on its way to the exporter, possibly in parts: a batch refused as a whole is split. */
export class ExportJob {
  /** The part being exported. */
  batch: readonly PermissionAuditEvent[];
  /** Parts after it. */
  readonly rest: Array<readonly PermissionAuditEvent[]> = [];
  /** Events settled when the job is done: all the job took from the queue. */
  size: number;
  /** Events refused alone; they are left out of every later part and retry. */
  readonly rejected = new Set<PermissionAuditEvent>();
  attempt = 0;
  /** The exporter has been called for the current attempt and has not settled. */
  inAttempt = false;
  /** The export timeout expired; a later call of the exporter for this job must not happen. */
  timedOut = false;
  /** Taken over by flushSync() at exit while waiting to retry. */
  abandoned = false;
  done = false;
  /** Aborted when the current attempt times out. */
  controller: AbortController | null = null;

  constructor(batch: readonly PermissionAuditEvent[], size: number) {
    this.batch = batch;
    this.size = size;
  }

  /** The current part's events not refused. */
  live(): readonly PermissionAuditEvent[] {
    return this.rejected.size === 0 ? this.batch : this.batch.filter((e) => !this.rejected.has(e));
  }

  /** Moves to the next part; false when there is none (the owner then settles the job). */
  advance(): boolean {
    const next = this.rest.shift();
    if (next === undefined || this.abandoned) return false;
    this.batch = next;
    this.attempt = 0;
    this.timedOut = false;
    return true;
  }

  /**
   * After a refusal of the current part: the event the error names (or the only one) is marked
   * refused and returned, the others queued as the next part; without one the part is halved.
   */
  split(error: unknown): PermissionAuditEvent | undefined {
    const live = this.live();
    const culprit = culpritOf(error, live) ?? (live.length === 1 ? live[0] : undefined);
    if (culprit !== undefined) {
      this.rejected.add(culprit);
      const rest = live.filter((e) => e !== culprit);
      if (rest.length > 0) this.rest.unshift(rest);
    } else if (live.length > 1) {
      const mid = Math.ceil(live.length / 2);
      this.rest.unshift(live.slice(0, mid), live.slice(mid));
    }
    return culprit;
  }

  /** Parts not in flight (waiting for a retry, or next after a split), taken out for a synchronous write. */
  takeWaiting(): PermissionAuditEvent[] {
    return [...(this.inAttempt ? [] : [this.batch]), ...this.rest.splice(0)]
      .flat()
      .filter((e) => !this.rejected.has(e));
  }
}
