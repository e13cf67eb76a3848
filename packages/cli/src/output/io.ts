/**
 * Everything the CLI touches outside itself: output streams, environment, working directory and
 * signals. `run()` takes these as an argument so tests can call it in-process and capture output.
 */

/** The part of a writable stream the CLI uses; `isTTY` decides between a progress bar and a line. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Where SIGINT/SIGTERM come from: `process` in the real command, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface CliIo {
  /** Results: summary lines and `--json` documents. Default: process.stdout. */
  stdout?: OutputStream;
  /** Diagnostics, errors and the progress bar. Default: process.stderr. */
  stderr?: OutputStream;
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Relative paths (config file, `sqlite:` files) resolve against this. Default: process.cwd(). */
  cwd?: string;
  /** Default: process. */
  signals?: SignalSource;
  /**
   * Called on a second interrupt while an archive is stopping, to quit without waiting for the
   * batch in flight (its transaction rolls back). The bin passes process.exit; in-process callers
   * usually leave it out, and then a second interrupt only repeats the notice.
   */
  exit?: (code: number) => void;
}

export type ResolvedIo = Required<Omit<CliIo, 'exit'>> & Pick<CliIo, 'exit'>;

export function resolveIo(io: CliIo = {}): ResolvedIo {
  return {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    signals: io.signals ?? process,
    exit: io.exit,
  };
}
