// change-events: what the diff costs per event. createChangeEvent of a 50-field record (5 fields
// changed, one of them a password) against createEvent storing the same 50-field record as
// content, in the same interleaved rounds, both into a store that only counts (the write path is
// the same for both and measured by the other suites). Also the diff alone (computeChangePatch).
import { AuditContext, computeChangePatch, getMasker } from '@audit-events/core';
import { interleave, opsPerSecond } from '../lib/timing.mjs';
import { summarize } from '../lib/stats.mjs';
import { finishSuite } from '../lib/report.mjs';

/** A 50-field record as an app would load it: strings, numbers, a date, a few nested values. */
function record(version) {
  const fields = {
    id: 42,
    status: version === 0 ? 'new' : 'paid',
    password: version === 0 ? 'hunter2' : 'hunter3',
    updatedAt: new Date(1_700_000_000_000 + version * 1000),
  };
  for (let i = 0; i < 40; i++) fields[`field${i}`] = i % 3 === 0 ? `value ${i}` : i;
  fields.address = { street: 'Main 1', city: version === 0 ? 'Bern' : 'Basel', zip: '3000' };
  fields.tags = version === 0 ? ['a', 'b', 'c'] : ['a', 'c', 'd'];
  fields.total = version === 0 ? 10 : 12.5;
  for (let i = 0; i < 3; i++) fields[`flag${i}`] = i % 2 === 0;
  return fields;
}

/** Saves nothing, so both variants measure building the event, not a database. */
const countingStore = {
  saved: 0,
  save(events) {
    this.saved += events.length;
    return Promise.resolve();
  },
};

/**
 * Rate of a round that must hand exactly `n` events to the store: checked per round, since
 * interleave() also runs uncounted warm-up rounds.
 */
async function savingEach(n, job) {
  const start = countingStore.saved;
  const rate = await opsPerSecond(n, job);
  const saved = countingStore.saved - start;
  if (saved !== n) throw new Error(`a round stored ${saved} events, expected ${n}`);
  return rate;
}

export async function changeEvents({ quick } = {}) {
  const n = quick ? 2_000 : 20_000;
  const runs = quick ? 3 : 7;
  const before = record(0);
  const after = record(1);
  if (Object.keys(after).length !== 50) throw new Error(`the record has ${Object.keys(after).length} fields, not 50`);
  const order = { type: 'order', id: 42 };
  const ctx = AuditContext.blank({ store: countingStore });
  const check = computeChangePatch(before, after, getMasker());
  if (check.operations.length < 5 || check.truncated !== null)
    throw new Error(`unexpected patch: ${JSON.stringify(check)}`);

  const samples = await interleave(
    {
      createEvent: () =>
        savingEach(n, async () => {
          for (let i = 0; i < n; i++) await ctx.createEvent(order, after);
        }),
      createChangeEvent: () =>
        savingEach(n, async () => {
          for (let i = 0; i < n; i++) await ctx.createChangeEvent(order, before, after);
        }),
      computeChangePatch: () =>
        opsPerSecond(n, async () => {
          const masker = getMasker();
          for (let i = 0; i < n; i++) computeChangePatch(before, after, masker);
        }),
    },
    runs,
  );
  const perEventUs = (rate) => 1e6 / rate;
  const create = summarize(samples.createEvent);
  const change = summarize(samples.createChangeEvent);
  const diff = summarize(samples.computeChangePatch);
  return finishSuite(
    'change-events',
    [
      { name: 'createEvent, 50-field content', unit: 'events/s', ...create },
      {
        name: 'createChangeEvent, 50-field before/after',
        unit: 'events/s',
        ...change,
        baseline: 'createEvent, 50-field content',
        target: 0.2,
        targetText: '≥ 0.2× (the diff ≤ ~4× building the event)',
      },
      { name: 'computeChangePatch alone, 50 fields', unit: 'diffs/s', ...diff },
    ],
    [
      `${n.toLocaleString('en-US')} events per variant and round, ${runs} interleaved rounds, into a store that only counts`,
      `per event: createEvent ${perEventUs(create.median).toFixed(1)} µs, createChangeEvent ${perEventUs(change.median).toFixed(1)} µs, the diff alone ${perEventUs(diff.median).toFixed(1)} µs`,
      `the patch: ${check.operations.length} operations (${check.operations.map((op) => `${op.op} ${op.path}`).join(', ')})`,
    ],
  );
}
