import { Presets, SingleBar } from 'cli-progress';
import type { OutputStream } from './io.js';
import { count } from './plural.js';
import type { ArchiveProgress } from '@audit-events/knex';

export interface ProgressReporter {
  update(progress: ArchiveProgress): void;
  /** Draws the final state and releases the line; safe to call more than once. */
  stop(): void;
}

const SILENT: ProgressReporter = { update() {}, stop() {} };

/**
 * A progress bar on `stream` when it is a terminal; nothing otherwise (logs and cron mail get the
 * one summary line instead of hundreds of redraws). The bar starts at the first committed batch,
 * whose report carries the total.
 */
export function createProgressReporter(stream: OutputStream, enabled = stream.isTTY === true): ProgressReporter {
  if (!enabled) return SILENT;
  const bar = new SingleBar(
    {
      stream,
      format: 'archiving [{bar}] {percentage}% | {value}/{total} events | {batches} | ETA {eta_formatted}',
      // No cursor hiding: a second Ctrl-C quits at once and must not leave the cursor hidden.
      hideCursor: false,
      clearOnComplete: false,
      fps: 10,
    },
    Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update({ archived, batches, total }) {
      if (stopped) return;
      // Events aged past the cutoff while we run can push the count above the first total.
      const max = Math.max(total ?? 0, archived);
      if (!started) {
        bar.start(max, archived, { batches: count(batches, 'batch', 'batches') });
        started = true;
        return;
      }
      if (max > bar.getTotal()) bar.setTotal(max);
      bar.update(archived, { batches: count(batches, 'batch', 'batches') });
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
