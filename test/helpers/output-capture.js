// Captures what code under test reports through process.emitWarning and console, so a test that
// expects a warning asserts it (and the run stays quiet) while an unexpected one still fails it.

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'];

/**
 * Runs `fn` with process.emitWarning and console.* captured instead of printed; returns its result
 * with `warnings` ({ message, type, code }) and `console` ({ method, text }) in call order. Both are
 * restored afterwards, also when `fn` throws.
 */
export async function captureOutput(fn) {
  const warnings = [];
  const consoleLines = [];
  const original = { emitWarning: process.emitWarning };
  process.emitWarning = (warning, typeOrOptions, code) => {
    const options = typeof typeOrOptions === 'object' && typeOrOptions !== null ? typeOrOptions : { type: typeOrOptions, code };
    warnings.push({
      message: warning instanceof Error ? warning.message : String(warning),
      type: warning instanceof Error ? warning.name : (options.type ?? 'Warning'),
      code: (warning instanceof Error ? warning.code : undefined) ?? options.code,
    });
  };
  for (const method of CONSOLE_METHODS) {
    original[method] = console[method];
    console[method] = (...args) => consoleLines.push({ method, text: args.map(String).join(' ') });
  }
  try {
    const result = await fn();
    return { result, warnings, console: consoleLines };
  } finally {
    process.emitWarning = original.emitWarning;
    for (const method of CONSOLE_METHODS) console[method] = original[method];
  }
}

/** As captureOutput, and fails unless exactly the expected warnings (codes, in order) were emitted and nothing was printed. */
export async function expectWarnings(codes, fn) {
  const captured = await captureOutput(fn);
  const got = captured.warnings.map((w) => w.code ?? w.type);
  if (JSON.stringify(got) !== JSON.stringify(codes)) {
    throw new Error(`expected warnings ${JSON.stringify(codes)}, got ${JSON.stringify(captured.warnings)}`);
  }
  if (captured.console.length > 0) throw new Error(`unexpected console output: ${JSON.stringify(captured.console)}`);
  return captured;
}
