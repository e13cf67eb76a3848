// Host "steal" time: CPU time the hypervisor gave to other guests while this VM wanted it. On a
// shared machine it is the noise no interleaving removes, so every suite reports how much there was.
import { readFileSync } from 'node:fs';

/** Cumulative { steal, total } jiffies of all CPUs, or null where /proc/stat is unavailable. */
function readCpuTimes() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { steal: fields[7] ?? 0, total };
  } catch {
    return null;
  }
}

/** Starts measuring; the returned function gives the steal share since then, in percent (or null). */
export function measureSteal() {
  const start = readCpuTimes();
  return () => {
    const end = readCpuTimes();
    if (start === null || end === null || end.total === start.total) return null;
    return (100 * (end.steal - start.steal)) / (end.total - start.total);
  };
}

/** Above this share of stolen CPU time, a suite's figures say more about the host than about the code. */
export const CONTENDED_STEAL_PERCENT = 5;
