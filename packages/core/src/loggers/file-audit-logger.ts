import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, EventRejectedError } from '../errors.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import { serializeEventLine } from '../permission/serialize.js';
import { BufferedAuditLogger } from './buffered-audit-logger.js';
import { warnIfLooserThan } from './file-mode.js';
import type { BufferedAuditLoggerOptions } from './buffered-options.js';
import { reopenOnSighup } from './sighup-reopen.js';

export interface FileAuditLoggerOptions extends BufferedAuditLoggerOptions {
  /** The log file, when the options object is the only argument (settings `{ class, options }`). */
  path?: string;
  /**
   * Permissions of a newly created file. Default 0o640: audit logs are not for every local user
   * (the group is for log shippers). An existing file granting more is reported once
   * (warning AUDIT_FILE_MODE_LOOSE) and left as it is.
   */
  mode?: number;
  /** Reopen the file on SIGHUP (logrotate). Note this stops SIGHUP from ending the process. Default true. */
  reopenOnSighup?: boolean;
}

/**
 * Appends one JSON object per line (the serializeEvent shape) to `path`, creating its directory.
 * Each batch is written with one synchronous append from the logger's timer, off the request
 * path; being synchronous is what lets `process.exit()` right after `record()` lose nothing: the
 * exit hook writes what is queued before the process ends. Reopens the file on SIGHUP/reopen().
 */
export class FileAuditLogger extends BufferedAuditLogger {
  readonly path: string;
  readonly #mode: number;
  #fd: number | null = null;
  #unsubscribeSighup: (() => void) | null = null;

  constructor(path: string | (FileAuditLoggerOptions & { path: string }), options: FileAuditLoggerOptions = {}) {
    const opts: FileAuditLoggerOptions = typeof path === 'string' ? options : { ...path, ...options };
    const file = typeof path === 'string' ? path : path?.path;
    if (typeof file !== 'string' || file.length === 0) {
      throw new ConfigurationError('path', 'FileAuditLogger needs a file path');
    }
    const { path: _ignored, mode, reopenOnSighup: reopen, ...buffered } = opts;
    super(buffered);
    this.path = resolve(file);
    this.#mode = mode ?? 0o640;
    try {
      this.#fd = this.#open();
    } catch (err) {
      // Fail at startup, where a wrong path is obvious, not on the first decision.
      void this.close();
      throw new ConfigurationError(
        'path',
        `cannot open ${this.path}: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
    if (reopen !== false) this.#unsubscribeSighup = reopenOnSighup(this);
  }

  /** Closes and reopens the file by name, so writes go to a fresh file after logrotate moved the old one. */
  reopen(): void {
    const old = this.#fd;
    this.#fd = null;
    if (old !== null) closeQuietly(old);
    if (this.closed) return;
    this.#fd = this.#open();
  }

  /** Opens for appending; a new file gets `mode`, an existing one looser than it is reported once. */
  #open(): number {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a', this.#mode);
    warnIfLooserThan(fd, this.path, this.#mode, 'FileAuditLogger: the audit log');
    return fd;
  }

  protected override handleBatch(events: readonly PermissionAuditEvent[]): void {
    this.#append(events);
  }

  protected override handleBatchSync(events: readonly PermissionAuditEvent[]): void {
    this.#append(events);
  }

  protected override onClose(): void {
    this.#unsubscribeSighup?.();
    this.#unsubscribeSighup = null;
    const fd = this.#fd;
    this.#fd = null;
    if (fd !== null) closeQuietly(fd);
  }

  #append(events: readonly PermissionAuditEvent[]): void {
    let text = '';
    for (const event of events) text += lineOf(event);
    const data = Buffer.from(text, 'utf8');
    // After a failed write (or a failed reopen) the retry starts from a fresh descriptor.
    if (this.#fd === null) this.#fd = this.#open();
    const fd = this.#fd;
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      this.#fd = null;
      closeQuietly(fd);
      throw err;
    }
  }
}

/** The event's line; one that cannot be serialised is refused alone, before anything is written. */
function lineOf(event: PermissionAuditEvent): string {
  try {
    return serializeEventLine(event);
  } catch (err) {
    throw new EventRejectedError(
      `FileAuditLogger: a permission audit event cannot be serialised: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
        event,
      },
    );
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or invalid: nothing left to release.
  }
}
