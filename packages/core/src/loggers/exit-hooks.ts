import { writeSync } from 'node:fs';

/**
 * What a logger offers the process-exit machinery. A protocol rather than a class so loggers
 * from two copies of this package (which share the hooks through globalThis) interoperate.
 */
export interface ExitParticipant {
  /** Events accepted but not yet handled (queued or in flight). */
  readonly pendingCount: number;
  /** Called on beforeExit and on SIGTERM/SIGINT; must settle (export timeouts bound it). */
  flush(): Promise<void>;
  /** Called on 'exit', where only synchronous work runs: write what can be written, report the rest. */
  flushSync(): void;
}

interface Entry {
  readonly ref: WeakRef<ExitParticipant>;
  readonly signals: boolean;
}

interface ExitState {
  readonly entries: Set<Entry>;
  /** Set by the 'exit' hook: from then on records must be handled synchronously or reported lost. */
  exiting: boolean;
  shuttingDown: boolean;
  beforeExitRounds: number;
  exitInstalled: boolean;
  signalsInstalled: boolean;
  readonly onExit: () => void;
  readonly onBeforeExit: () => void;
  readonly onSignal: (signal: NodeJS.Signals) => void;
  readonly finalizer: FinalizationRegistry<Entry>;
}

/** How long a SIGTERM/SIGINT waits for loggers to flush before the default behaviour resumes. */
export const SIGNAL_FLUSH_TIMEOUT_MS = 10_000;
const MAX_BEFORE_EXIT_ROUNDS = 10;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const KEY = Symbol.for('@audit-events/core.exit-hooks.v1');

type GlobalWithExit = typeof globalThis & { [KEY]?: ExitState };

/**
 * One set of process listeners (exit, beforeExit, SIGTERM, SIGINT) for every live logger,
 * installed with the first logger and removed with the last: creating many loggers adds no
 * listeners, and closing them all gives the process its default signal behaviour back.
 */
let cached: ExitState | undefined;

function state(): ExitState {
  if (cached !== undefined) return cached;
  const g = globalThis as GlobalWithExit;
  const s = g[KEY];
  if (s !== undefined) return (cached = s);
  const created: ExitState = {
    entries: new Set(),
    exiting: false,
    shuttingDown: false,
    beforeExitRounds: 0,
    exitInstalled: false,
    signalsInstalled: false,
    onExit: () => {
      created.exiting = true;
      for (const p of live(created)) flushSyncQuietly(p);
    },
    onBeforeExit: () => {
      const pending = live(created).filter((p) => p.pendingCount > 0);
      // beforeExit fires again once our flush work is done; stop when nothing is left (or, as a
      // guard against a logger that keeps refilling itself, after a few rounds).
      if (pending.length === 0 || created.beforeExitRounds >= MAX_BEFORE_EXIT_ROUNDS) return;
      created.beforeExitRounds++;
      // Retry backoff uses unref'd timers; hold the loop open until the flushes settle.
      const keepAlive = setInterval(() => {}, 1 << 30);
      void Promise.allSettled(pending.map((p) => p.flush())).finally(() => clearInterval(keepAlive));
    },
    onSignal: (signal) => handleSignal(created, signal),
    finalizer: new FinalizationRegistry<Entry>((entry) => {
      created.entries.delete(entry);
      updateListeners(created);
    }),
  };
  g[KEY] = created;
  cached = created;
  return created;
}

/** Registers a logger for exit flushing; returns the function that unregisters it. */
export function registerExitParticipant(participant: ExitParticipant, options: { signals: boolean }): () => void {
  const s = state();
  const entry: Entry = { ref: new WeakRef(participant), signals: options.signals };
  s.entries.add(entry);
  // Weak: a logger dropped by the app without close() must not be kept alive by this registry.
  // A logger with queued events stays reachable through its own flush timer until they are out.
  s.finalizer.register(participant, entry, entry);
  updateListeners(s);
  return () => {
    if (!s.entries.delete(entry)) return;
    s.finalizer.unregister(entry);
    updateListeners(s);
  };
}

/** True once the process is running its 'exit' listeners. */
export function isProcessExiting(): boolean {
  return state().exiting;
}

/** Writes to stderr synchronously, which is the only output that still works inside 'exit'. */
export function reportSync(message: string): void {
  try {
    writeSync(2, `${message}\n`);
  } catch {
    // stderr closed or non-blocking pipe full: nothing more can be done at exit.
  }
}

function live(s: ExitState): ExitParticipant[] {
  const out: ExitParticipant[] = [];
  for (const entry of s.entries) {
    const p = entry.ref.deref();
    if (p === undefined) s.entries.delete(entry);
    else out.push(p);
  }
  return out;
}

function updateListeners(s: ExitState): void {
  const wantExit = s.entries.size > 0;
  let wantSignals = false;
  for (const entry of s.entries) if (entry.signals) wantSignals = true;
  if (wantExit && !s.exitInstalled) {
    process.on('exit', s.onExit);
    process.on('beforeExit', s.onBeforeExit);
    s.exitInstalled = true;
  } else if (!wantExit && s.exitInstalled) {
    process.removeListener('exit', s.onExit);
    process.removeListener('beforeExit', s.onBeforeExit);
    s.exitInstalled = false;
  }
  if (wantSignals && !s.signalsInstalled && !s.shuttingDown) {
    // First in line: an app's `process.once(signal, …)` listener removes itself before it runs,
    // so only a listener that runs before it can see that the app handles the signal.
    for (const signal of SIGNALS) process.prependListener(signal, s.onSignal);
    s.signalsInstalled = true;
  } else if (!wantSignals && s.signalsInstalled && !s.shuttingDown) {
    for (const signal of SIGNALS) process.removeListener(signal, s.onSignal);
    s.signalsInstalled = false;
  }
}

function handleSignal(s: ExitState, signal: NodeJS.Signals): void {
  if (s.shuttingDown) {
    // A second signal while flushing: the operator insists, so stop waiting.
    finishSignal(s, signal);
    return;
  }
  s.shuttingDown = true;
  // Decided now, while an app's once() listener is still registered (it is gone after it ran).
  const appHandles = otherListeners(s, signal) > 0;
  let finished = false;
  const keepAlive = setInterval(() => {}, 1 << 30);
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(keepAlive);
    clearTimeout(deadline);
    finishSignal(s, signal, appHandles);
  };
  const deadline = setTimeout(finish, SIGNAL_FLUSH_TIMEOUT_MS);
  void Promise.allSettled(live(s).map((p) => p.flush())).then(finish);
}

function otherListeners(s: ExitState, signal: NodeJS.Signals): number {
  return process.listeners(signal).filter((l) => l !== s.onSignal).length;
}

function finishSignal(s: ExitState, signal: NodeJS.Signals, appHandles = false): void {
  s.shuttingDown = false;
  // Whatever an async flush did not manage (timeout) is written synchronously or reported now,
  // because a re-raised signal ends the process without an 'exit' event.
  for (const p of live(s)) if (p.pendingCount > 0) flushSyncQuietly(p);
  if (appHandles || otherListeners(s, signal) > 0) {
    // The app handles this signal itself (graceful shutdown); its decision stands.
    updateListeners(s);
    return;
  }
  for (const sig of SIGNALS) process.removeListener(sig, s.onSignal);
  s.signalsInstalled = false;
  // Default behaviour: terminate by the same signal, so the parent sees the usual 128+n status.
  process.kill(process.pid, signal);
}

function flushSyncQuietly(p: ExitParticipant): void {
  try {
    p.flushSync();
  } catch (err) {
    reportSync(
      `audit-events: flushing a permission audit logger at exit failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
