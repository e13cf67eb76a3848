// Instructions per request: a server variant under valgrind's callgrind, loaded by autocannon, its
// counters zeroed after a warm-up and dumped after a counted batch. Unlike req/s or CPU time on a
// shared 2-core VM (per-round spreads of ±40 % and more), a warm server's main-thread count
// repeats within a few per cent, so medians of rounds can tell whether a middleware costs 3 % of a
// request. It counts user-space instructions per thread (JIT-compiled code included), not cache
// misses or the kernel's share of a request.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpEvents } from './callgrind-dump.mjs';
import { loadResult, startServer } from './http-load.mjs';
import { median } from './stats.mjs';

/** Why instructions cannot be counted here, or null when valgrind and callgrind_control are installed. */
export function instructionCountingUnavailable() {
  for (const tool of ['valgrind', 'callgrind_control']) {
    const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return `${tool} is not installed (Debian: apt-get install valgrind)`;
  }
  return null;
}

function callgrindControl(flag, pid) {
  return new Promise((resolve, reject) => {
    const child = spawn('callgrind_control', [flag, String(pid)], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`callgrind_control ${flag} exited with ${code}`)),
    );
  });
}

/**
 * Runs `script variant` under callgrind and returns its instructions per request, all threads and
 * the main thread alone, over `requests` requests from `connections` concurrent clients, after
 * `warmup` uncounted ones, then `reconnectWarmup` more on new connections. The warm-up runs with
 * instrumentation off (several times faster under valgrind); it must be long enough for V8 to have
 * optimised the request path, or the count includes its compiler's work and tier changes.
 *
 * The warm-up comes in `warmupLoads` loads, each on new connections, as a server's clients come and
 * go. Code that runs once per connection (a middleware remembering the peer's address, Node's own
 * socket set-up) then has type feedback by the time V8 optimises the request path. Warmed on four
 * connections only, it had none, so the first request on a new connection deoptimised the
 * middleware; on Node 24 it was still running Maglev's code, not TurboFan's, when the count was taken.
 *
 * `callgrindOptions` adds to valgrind's (`--cache-sim=yes` …); `events` has every event the dump
 * counted, per request, main thread. `keepMainDump`: a path the main thread's dump is copied to
 * (see callgrind-dump.mjs); `pid` names the server's /tmp/perf-<pid>.map under --perf-basic-prof.
 */
export async function instructionsPerRequest({
  script,
  variant,
  warmup = 40_000,
  warmupLoads = 40,
  reconnectWarmup = 3000,
  requests = 3000,
  connections = 4,
  request = {},
  env = {},
  callgrindOptions = [],
  keepMainDump,
}) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-cg-'));
  const launcher = [
    'valgrind',
    '--tool=callgrind',
    '--separate-threads=yes',
    '--instr-atstart=no',
    ...callgrindOptions,
    `--callgrind-out-file=${join(dir, 'cg.%p')}`,
  ];
  const fire = (amount) => loadResult({ port: server.port, amount, connections, timeout: 60, ...request });
  let server;
  try {
    server = await startServer(script, [variant], env, { launcher, startTimeout: 180_000, stderr: 'pipe' });
    // The pid is valgrind's (it runs the program in its own process), or taskset's exec'd into it.
    for (let load = 0; load < warmupLoads; load++) {
      const share = Math.floor(warmup / warmupLoads) + (load < warmup % warmupLoads ? 1 : 0);
      if (share > 0) await fire(share);
    }
    // A load run on new connections deoptimises 25-30 functions (Node's http and stream code, the
    // middleware: maps seen only on the first sockets), and V8 optimises them again within a few
    // thousand requests; the next run on new connections deoptimises one. So the counted run
    // follows a second uncounted one.
    await fire(reconnectWarmup);
    await callgrindControl('--instr=on', server.child.pid);
    await callgrindControl('-z', server.child.pid);
    await fire(requests);
    await callgrindControl('-d', server.child.pid);
    // One dump per thread (cg.<pid>.<dump>-<thread>); thread 01 is the main thread (JavaScript).
    let all = 0;
    let main = 0;
    let mainEvents = null;
    for (const name of readdirSync(dir)) {
      const thread = /^cg\.\d+\.\d+-(\d+)$/.exec(name);
      if (!thread) continue;
      const counted = dumpEvents(readFileSync(join(dir, name), 'utf8'));
      if (counted === null) throw new Error(`no instruction count in callgrind's dump ${name} for ${variant}`);
      all += counted.Ir;
      if (Number(thread[1]) === 1) {
        main = counted.Ir;
        mainEvents = counted;
        if (keepMainDump) copyFileSync(join(dir, name), keepMainDump);
      }
    }
    if (main === 0) throw new Error(`callgrind wrote no dump of the main thread for ${variant}`);
    // Every event the options asked callgrind for (cache and branch simulation), per request.
    const events = Object.fromEntries(Object.entries(mainEvents).map(([k, v]) => [k, v / requests]));
    return { all: all / requests, main: main / requests, events, pid: server.child.pid };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rounds counted before V8 had settled: those whose other threads did more work, as a share of
 * the main thread's count, than is usual in the suite (the median share over all its rounds) by
 * more than `tolerance`. That extra work is V8's compiler still busy with the request path, so the
 * main thread was running code not yet optimised (a Node 24 Koa floor round: 83k instructions on
 * the main thread and 107k on all threads, where settled rounds count 74k and 75k). Measured from
 * the suite's own usual share because some servers keep other threads busy in every round (Express
 * on Node 20: +7.5 %, the GC's helpers). `rounds`: { variant: [{ all, main }, …] }.
 */
export function unsettledRounds(rounds, tolerance = 0.05) {
  const share = (r) => r.all / r.main - 1;
  const usual = median(Object.values(rounds).flatMap((list) => list.map(share)));
  const unsettled = [];
  for (const [variant, list] of Object.entries(rounds))
    list.forEach((round, index) => {
      if (share(round) > usual + tolerance) unsettled.push({ variant, index });
    });
  return unsettled;
}
