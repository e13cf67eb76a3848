import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { link, lstat, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigurationError } from '@audit-events/core';
import { systemReason } from '../output/error-text.js';
import type { OutputStream } from '../output/io.js';
import { PRIVATE_MODE } from '../output/private-file.js';

/** Text is handed to the stream in chunks of about this many characters (one write per chunk). */
const CHUNK_CHARS = 64 * 1024;

/** Where export records go: write() resolves when the stream can take more (backpressure). */
export interface ExportOutput {
  write(text: string): Promise<void>;
  /** Flushes and, for a file, puts it in place; nothing written before this is visible at `path`. */
  finish(): Promise<void>;
  /** Drops what was written (a file's temporary copy is removed). Safe after finish(). */
  discard(): Promise<void>;
}

interface DrainableStream extends OutputStream {
  once?(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Writes chunks to `stream`, waiting for 'drain' when write() says its buffer is full. */
class StreamOutput implements ExportOutput {
  #pending = '';
  readonly #stream: DrainableStream;

  constructor(stream: DrainableStream) {
    this.#stream = stream;
  }

  async write(text: string): Promise<void> {
    this.#pending += text;
    if (this.#pending.length >= CHUNK_CHARS) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    if (this.#stream.write(chunk) === false && typeof this.#stream.once === 'function') await drained(this.#stream);
  }

  async finish(): Promise<void> {
    await this.#flush();
  }

  async discard(): Promise<void> {
    this.#pending = '';
  }
}

/** Resolves on 'drain'; rejects when the stream fails or closes first (a closed pipe, a full disk). */
function drained(stream: DrainableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      stream.removeListener?.('drain', onDrain);
      stream.removeListener?.('error', onError);
      stream.removeListener?.('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onError = (err: unknown): void => done(err ?? new Error('the output stream failed'));
    const onClose = (): void => done(new Error('the output stream closed'));
    stream.once?.('drain', onDrain);
    stream.once?.('error', onError);
    stream.once?.('close', onClose);
  });
}

/** Output to the CLI's stdout (or any stream). */
export function streamOutput(stream: OutputStream): ExportOutput {
  return new StreamOutput(stream as DrainableStream);
}

/**
 * Output to a file: written to a temporary file beside it, created exclusively with mode 0600
 * (audit data; a file or symlink planted at the temporary name is refused, not followed), and put
 * in place only when the export is complete, so an interrupted or failed export leaves no partial
 * file at `path`. An existing `path` is replaced only with `force` (atomically, by rename);
 * without it the link that puts the file in place fails rather than overwrite one created meanwhile.
 */
export async function fileOutput(path: string, force: boolean): Promise<ExportOutput> {
  if (!force && (await exists(path))) {
    throw new ConfigurationError('out', `${path} exists; pass --force to replace it`);
  }
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let stream: WriteStream;
  try {
    // 'wx': created here or refused (an existing file or symlink at the name is never followed).
    stream = createWriteStream(temp, { flags: 'wx', mode: PRIVATE_MODE });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    throw new ConfigurationError(
      'out',
      `cannot write ${path} (${systemReason(err, 'error')}); does ${dirname(path)} exist and is it writable?`,
      { cause: err },
    );
  }
  let failure: unknown;
  stream.on('error', (err) => (failure ??= err));
  const inner = new StreamOutput(stream as unknown as DrainableStream);
  let settled = false;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (stream.closed) resolve();
      else stream.end(() => resolve());
    });
  return {
    async write(text) {
      if (failure !== undefined) throw writeError(path, failure);
      await inner.write(text);
    },
    async finish() {
      await inner.finish();
      await close();
      if (failure !== undefined) throw writeError(path, failure);
      try {
        if (force) await rename(temp, path);
        else {
          await link(temp, path);
          await rm(temp, { force: true });
        }
        settled = true;
      } catch (err) {
        await rm(temp, { force: true }).catch(() => {});
        settled = true;
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new ConfigurationError('out', `${path} exists; pass --force to replace it`);
        throw writeError(path, err);
      }
    },
    async discard() {
      if (settled) return;
      settled = true;
      await inner.discard();
      stream.destroy();
      await rm(temp, { force: true }).catch(() => {});
    },
  };
}

function writeError(path: string, err: unknown): ConfigurationError {
  return new ConfigurationError('out', `cannot write ${path} (${systemReason(err, 'error')})`, { cause: err });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
