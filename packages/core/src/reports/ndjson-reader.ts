import { createReadStream } from 'node:fs';
import { toReportableEvent } from './reportable-event.js';

/** What a pass over a permission log found, besides its events. */
export interface PermissionLogStats {
  /** Lines read, blank ones included. */
  lines: number;
  /** Lines that were permission events (yielded). */
  events: number;
  /** Lines that were not: invalid JSON, or JSON that is not a permission event. Skipped. */
  malformed: number;
  /** 1-based number of the first malformed line, or null. */
  firstMalformedLine: number | null;
  /**
   * The file ended in the middle of a line that is not valid JSON: a writer was cut off (crash,
   * full disk) or is still writing. Not counted as malformed: it is expected in a live log.
   */
  tornLastLine: boolean;
}

export interface ReadPermissionLogOptions {
  /** Bytes per read. Default 64 KiB. */
  highWaterMark?: number;
  /** Longer lines are skipped and counted as malformed (memory stays bounded). Default 16 MiB. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Streams the events of an NDJSON permission log (what FileAuditLogger writes, or general_manager's
 * FileAuditLogger), one line at a time: memory stays flat whatever the file's size. Each yielded
 * value is the line's parsed object. Lines that are not events are counted in `stats`, never
 * thrown; a missing or unreadable file rejects the iteration with the fs error (ENOENT, EACCES).
 * `stats` is complete once the iteration has ended; iterate once.
 */
export class PermissionLogReader implements AsyncIterable<Record<string, unknown>> {
  readonly path: string;
  readonly stats: PermissionLogStats = {
    lines: 0,
    events: 0,
    malformed: 0,
    firstMalformedLine: null,
    tornLastLine: false,
  };
  readonly #highWaterMark: number;
  readonly #maxLineBytes: number;

  constructor(path: string, options: ReadPermissionLogOptions = {}) {
    this.path = path;
    this.#highWaterMark = options.highWaterMark ?? 64 * 1024;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Record<string, unknown>> {
    // Split on the newline byte and decode each line whole: a multi-byte character split across
    // two reads is never decoded in halves. A line spanning reads is kept as a list of pieces,
    // joined once, so a long line costs linear time.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // Inside a line longer than maxLineBytes: dropped up to its newline, counted once.
    let skipping = false;
    const stream = createReadStream(this.path, { highWaterMark: this.#highWaterMark });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      let end = chunk.indexOf(NEWLINE, start);
      while (end !== -1) {
        if (skipping) {
          skipping = false;
        } else {
          const piece = chunk.subarray(start, end);
          const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
          const event = this.#line(line, true);
          if (event !== null) yield event;
        }
        pending = [];
        pendingBytes = 0;
        start = end + 1;
        end = chunk.indexOf(NEWLINE, start);
      }
      if (skipping || start >= chunk.length) continue;
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > this.#maxLineBytes) {
        this.stats.lines++;
        this.#malformed();
        pending = [];
        pendingBytes = 0;
        skipping = true;
      }
    }
    if (pending.length > 0) {
      const event = this.#line(Buffer.concat(pending), false);
      if (event !== null) yield event;
    }
  }

  #line(bytes: Buffer, terminated: boolean): Record<string, unknown> | null {
    this.stats.lines++;
    const text = bytes.toString('utf8').trim();
    if (text === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!terminated) {
        this.stats.tornLastLine = true;
        return null;
      }
      return this.#malformed();
    }
    if (toReportableEvent(value) === null) return this.#malformed();
    this.stats.events++;
    return value as Record<string, unknown>;
  }

  #malformed(): null {
    this.stats.malformed++;
    this.stats.firstMalformedLine ??= this.stats.lines;
    return null;
  }
}

/** A reader over one NDJSON permission log; see PermissionLogReader. */
export function readPermissionLog(path: string, options?: ReadPermissionLogOptions): PermissionLogReader {
  return new PermissionLogReader(path, options);
}
