// A scheduler for BufferedAuditLogger driven by the test: time only moves on advance(), so
// periodic flushes, retry backoff and export timeouts are asserted without sleeping.

/** Lets every pending promise callback and microtask run. */
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock {
  now = 0;
  #timers = [];
  #seq = 0;

  setTimeout = (callback, ms) => {
    const timer = { at: this.now + ms, seq: ++this.#seq, callback };
    this.#timers.push(timer);
    return timer;
  };

  clearTimeout = (timer) => {
    this.#timers = this.#timers.filter((t) => t !== timer);
  };

  /** Timers waiting, with their delays from now. */
  get pending() {
    return this.#timers.map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their promises settle. */
  async advance(ms) {
    const end = this.now + ms;
    await settle();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.now = due.at;
      due.callback();
      await settle();
    }
    this.now = end;
    await settle();
  }
}
