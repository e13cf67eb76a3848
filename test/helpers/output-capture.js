// Captures what code under test reports through process.emitWarning, console.* and synchronous
// writes to stderr (the exit path's fs.writeSync(2, …)), so a test that expects such output asserts
// it and a passing run stays quiet, while output nobody expected still reaches the terminal.
import fs from 'node:fs';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'];

function describeWarning(warning, typeOrOptions, code) {
  const options =
    typeof typeOrOptions === 'object' && typeOrOptions !== null ? typeOrOptions : { type: typeOrOptions, code };
  return {
    message: warning instanceof Error ? warning.message : String(warning),
    type: warning instanceof Error ? warning.name : (options.type ?? 'Warning'),
    code: (warning instanceof Error ? warning.code : undefined) ?? options.code,
  };
}

/**
 * Runs `fn` with process.emitWarning, console.* and fs.writeSync to fd 2 captured instead of
 * printed; returns its result with `warnings` ({ message, type, code }), `console`
 * ({ method, text }) and `stderr` (text written synchronously to fd 2). Everything is restored
 * afterwards, also when `fn` throws. `keep(warning)`: which warnings to capture; the others are
 * emitted as usual (default: all captured).
 */
export async function captureOutput(fn, { keep = () => true } = {}) {
  const warnings = [];
  const consoleLines = [];
  let stderr = '';
  const original = { emitWarning: process.emitWarning, writeSync: fs.writeSync };
  process.emitWarning = function (warning, typeOrOptions, code, ...rest) {
    const described = describeWarning(warning, typeOrOptions, code);
    if (keep(described)) warnings.push(described);
    else original.emitWarning.call(process, warning, typeOrOptions, code, ...rest);
  };
  for (const method of CONSOLE_METHODS) {
    original[method] = console[method];
    console[method] = (...args) => consoleLines.push({ method, text: args.map(String).join(' ') });
  }
  fs.writeSync = function (fd, data, ...rest) {
    if (fd !== 2) return original.writeSync.call(fs, fd, data, ...rest);
    stderr += String(data);
    return Buffer.byteLength(String(data));
  };
  try {
    const result = await fn();
    // process.emitWarning's listeners run on the next tick: let them.
    await new Promise((resolve) => setImmediate(resolve));
    return { result, warnings, console: consoleLines, stderr };
  } finally {
    process.emitWarning = original.emitWarning;
    fs.writeSync = original.writeSync;
    for (const method of CONSOLE_METHODS) console[method] = original[method];
  }
}

/**
 * The warnings with one of `codes` emitted while `fn` runs, captured instead of printed; any other
 * warning is printed as usual, so an unexpected one is not hidden.
 */
export async function warningsDuring(codes, fn) {
  const wanted = new Set([codes].flat());
  const { warnings } = await captureOutput(fn, { keep: (w) => wanted.has(w.code) });
  return warnings;
}
