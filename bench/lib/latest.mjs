// Which result of each suite and Node major the table shows: the newest one the bench judged
// quiet, else the newest of all (its heading then names it noise-bound). A run on a contended
// host must not replace a quiet one: its ratios say more about the other guests than the code
// (seventeenth pass of docs/performance-history.md: bare Express at twice its CPU per request).
// A suite's runtime columns sit side by side, so where one host has a quiet result for every
// runtime measured quietly at all, they come from that host: the same servers cost ~1.4-2× the
// CPU per request on one host CPU as on another (sixteenth pass).
import { hostName } from './host-reference.mjs';
import { isQuiet } from './quiet.mjs';
import { runtimeTag } from './report.mjs';

const isNewer = (result, than) => than === undefined || String(result.date) > String(than.date);

/** The chosen result per suite and Node major, in `order` of suites; names outside it are dropped. */
export function pickLatest(candidates, order) {
  const bySuite = new Map();
  for (const result of candidates) {
    if (!order.includes(result.suite)) continue;
    if (!bySuite.has(result.suite)) bySuite.set(result.suite, []);
    bySuite.get(result.suite).push(result);
  }
  const chosen = [...bySuite.values()].flatMap(pickSuite);
  return chosen.sort((a, b) => order.indexOf(a.suite) - order.indexOf(b.suite));
}

/** One suite's results: one per Node major (runtimeTag's `node20`), the oldest major first. */
function pickSuite(results) {
  const newest = new Map(); // runtime tag -> newest result
  const quietByHost = new Map(); // host -> runtime tag -> newest quiet result
  for (const result of results) {
    const major = runtimeTag(result.runtime ?? result.machine?.node);
    if (isNewer(result, newest.get(major))) newest.set(major, result);
    if (!isQuiet(result)) continue;
    const host = hostName(result.machine);
    if (!quietByHost.has(host)) quietByHost.set(host, new Map());
    const perMajor = quietByHost.get(host);
    if (isNewer(result, perMajor.get(major))) perMajor.set(major, result);
  }
  const quietMajors = new Set([...quietByHost.values()].flatMap((perMajor) => [...perMajor.keys()]));
  const pair = newestCompleteHost(quietByHost, quietMajors);
  return [...newest]
    .sort(([a], [b]) => Number(a.slice(4)) - Number(b.slice(4)))
    .map(([major, result]) => pair?.get(major) ?? newestQuiet(quietByHost, major) ?? result);
}

/** The host with a quiet result for every major in `majors` whose older half is newest, or undefined. */
function newestCompleteHost(quietByHost, majors) {
  let best;
  let bestDate = '';
  for (const perMajor of quietByHost.values()) {
    if (![...majors].every((major) => perMajor.has(major))) continue;
    const oldest = [...perMajor.values()].map((r) => String(r.date)).sort()[0];
    if (best === undefined || oldest > bestDate) [best, bestDate] = [perMajor, oldest];
  }
  return best;
}

function newestQuiet(quietByHost, major) {
  let found;
  for (const perMajor of quietByHost.values()) {
    const result = perMajor.get(major);
    if (result !== undefined && isNewer(result, found)) found = result;
  }
  return found;
}
