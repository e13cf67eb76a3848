import { SingleBar } from 'cli-progress';
import type { OutputStream } from '../output/io.js';

export interface ExportProgress {
  /** Events written so far; cheap to call per event (the bar redraws at most 10 times a second). */
  update(exported: number): void;
  stop(): void;
}

const SILENT: ExportProgress = { update() {}, stop() {} };

/**
 * A running count on `stream` when it is a terminal; nothing otherwise, so logs and pipes get
 * the one summary line. No total and no percentage: counting the matches first would cost a
 * second pass over the table.
 */
export function createExportProgress(stream: OutputStream, enabled: boolean): ExportProgress {
  if (!enabled) return SILENT;
  const bar = new SingleBar({
    stream,
    format: 'exporting | {value} events | {rate} events/s | {duration_formatted}',
    // No cursor hiding: a second Ctrl-C quits at once and must not leave the cursor hidden.
    hideCursor: false,
    clearOnComplete: false,
    fps: 10,
  });
  const started = Date.now();
  let value = 0;
  let stopped = false;
  bar.start(Number.MAX_SAFE_INTEGER, 0, { rate: 0 });
  return {
    update(exported) {
      value = exported;
      if (stopped || exported % 1000 !== 0) return;
      const seconds = (Date.now() - started) / 1000;
      bar.update(exported, { rate: seconds > 0 ? Math.round(exported / seconds) : 0 });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      const seconds = (Date.now() - started) / 1000;
      bar.update(value, { rate: seconds > 0 ? Math.round(value / seconds) : 0 });
      bar.stop();
    },
  };
}
