// Which result of each suite and Node major the table shows: the newest one the bench judged
// quiet, else the newest of all (its heading then names it noise-bound). A run on a contended
// host must not replace a quiet one: its ratios say more about the other guests than the code
// (seventeenth pass of docs/performance.md: bare Express at twice its CPU per request).
import { isQuiet } from './quiet.mjs';

/** The chosen result per suite and Node major, in `order` of suites; names outside it are dropped. */
export function pickLatest(candidates, order) {
  const newest = new Map();
  const newestQuiet = new Map();
  for (const result of candidates) {
    if (!order.includes(result.suite)) continue;
    const major = String(result.runtime ?? result.machine?.node ?? '').match(/^v?(\d+)/)?.[1] ?? '?';
    const key = `${result.suite}@${major}`;
    const newer = (map) => map.get(key) === undefined || String(result.date) > String(map.get(key).date);
    if (newer(newest)) newest.set(key, result);
    if (isQuiet(result) && newer(newestQuiet)) newestQuiet.set(key, result);
  }
  const chosen = [...newest].map(([key, result]) => newestQuiet.get(key) ?? result);
  return chosen.sort((a, b) => order.indexOf(a.suite) - order.indexOf(b.suite));
}
