import type { PermissionAuditEvent } from '../permission/event.js';

/** A decision that denied something; never throws (record() takes hand-made events too). */
export function isDenied(event: PermissionAuditEvent | undefined): boolean {
  try {
    return event !== null && typeof event === 'object' && event.granted === false;
  } catch {
    return false;
  }
}

/**
 * A buffered logger's queue. Bounded by its owner; when full, a denied decision may take the
 * place of the oldest queued granted one, so a flood of granted noise cannot push denials out.
 */
export class DecisionQueue {
  #items: PermissionAuditEvent[] = [];
  /** Queued events that did not deny anything: the ones a denied decision may evict. */
  #granted = 0;
  /** The first #deniedPrefix queued events are known to be denied: eviction searches after them. */
  #deniedPrefix = 0;

  get length(): number {
    return this.#items.length;
  }

  /** Whether a queued event did not deny anything (one a denied decision may evict). */
  get hasGranted(): boolean {
    return this.#granted > 0;
  }

  push(event: PermissionAuditEvent): void {
    this.#items.push(event);
    if (!isDenied(event)) this.#granted++;
  }

  /** Takes `count` events from the head. */
  take(count: number): PermissionAuditEvent[] {
    const taken = this.#items.splice(0, count);
    if (this.#items.length === 0) {
      this.#granted = 0;
    } else {
      for (const event of taken) if (!isDenied(event)) this.#granted--;
    }
    this.#deniedPrefix = Math.max(0, this.#deniedPrefix - taken.length);
    return taken;
  }

  /**
   * Drops the oldest queued granted event and appends `denied` in its place (the caller counts the
   * drop). False, and nothing changed, when every queued event is a denial.
   */
  evictGrantedFor(denied: PermissionAuditEvent): boolean {
    if (this.#granted === 0) return false;
    const items = this.#items;
    let i = this.#deniedPrefix;
    while (i < items.length && isDenied(items[i])) i++;
    this.#deniedPrefix = i;
    if (i === items.length) return false;
    items.splice(i, 1);
    items.push(denied);
    this.#granted--;
    return true;
  }
}
