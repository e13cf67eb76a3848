#!/usr/bin/env node
'use strict';
// The `audit-events` command. All logic lives in dist (see src/main.ts); this only wires the process.
let run;
try {
  ({ run } = require('../dist/cjs/index.js'));
} catch (err) {
  process.stderr.write(`audit-events: cannot load the built CLI (${err.message}); run \`npm run build\`\n`);
  process.exit(1);
}

// A signal no command is handling (before a long operation starts, or after it stopped on a
// first signal) ends the process with the conventional 128 + n exit code instead of dying by it.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(sig, () => {
    if (process.listenerCount(sig) === 1) process.exit(code);
  });
}

run(process.argv, { exit: (code) => process.exit(code) }).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a driver still holds a handle, do not hang a cron slot.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err) => {
    process.stderr.write(`audit-events: unexpected failure: ${err && err.message}\n`);
    process.exit(1);
  },
);
