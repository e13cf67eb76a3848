import { AbortedError } from '@audit-events/core';
import { ExitCode } from './exit-codes.js';
import type { ResolvedIo } from './output/io.js';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export interface InterruptWatch {
  /** Aborted at the first SIGINT/SIGTERM; the store stops between batches. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): InterruptSignal | undefined;
  /** Stops listening; the process's default signal handling comes back. */
  dispose(): void;
}

/** The exit code for a run stopped by `signal` (128 + signal number). */
export function exitCodeOf(signal: InterruptSignal): number {
  return signal === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM;
}

/**
 * Turns SIGINT/SIGTERM into an AbortSignal for the duration of a long operation. The first signal
 * asks for a clean stop after the batch in flight commits; a second one quits at once through
 * `io.exit` (the batch in flight then rolls back in the database, so nothing is lost either way).
 */
export function watchInterrupts(io: ResolvedIo, say: (line: string) => void): InterruptWatch {
  const controller = new AbortController();
  let first: InterruptSignal | undefined;
  const listeners = new Map<InterruptSignal, () => void>();

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const listener = (): void => {
      if (first === undefined) {
        first = sig;
        say(`received ${sig}: stopping after the current batch commits (send it again to quit at once)`);
        controller.abort(new AbortedError(`interrupted by ${sig}`));
      } else if (io.exit) {
        say(`received ${sig} again: quitting now; the batch in flight rolls back`);
        io.exit(exitCodeOf(first));
      } else {
        say(`received ${sig} again: still waiting for the current batch to commit`);
      }
    };
    listeners.set(sig, listener);
    io.signals.on(sig, listener);
  }

  return {
    signal: controller.signal,
    received: () => first,
    dispose() {
      for (const [sig, listener] of listeners) io.signals.off(sig, listener);
      listeners.clear();
      // Interrupted, in a real process: a second signal arriving after the clean stop (two quick
      // Ctrl-Cs) must still exit with the first signal's code, not meet the default action.
      const exit = io.exit;
      if (first !== undefined && exit) {
        const code = exitCodeOf(first);
        for (const sig of ['SIGINT', 'SIGTERM'] as const) io.signals.on(sig, () => exit(code));
      }
    },
  };
}
