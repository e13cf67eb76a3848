// Reading callgrind's dumps: the totals, and each function's own (exclusive) cost, with V8's JIT
// code named through the map `--perf-basic-prof` writes (/tmp/perf-<pid>.map), since valgrind
// sees compiled JavaScript as bare addresses. Format: valgrind's docs, "Callgrind Format".

/**
 * A dump's totals by event name ({ Ir, D1mr, Bcm, … }): its `events:` line names the columns of its
 * `summary:` (or `totals:`) line. Null when the dump has no totals.
 */
export function dumpEvents(text) {
  const totals = /^(?:summary|totals):((?: \d+)+)/m.exec(text);
  if (!totals) return null;
  const names = eventNames(text);
  const values = totals[1].trim().split(' ').map(Number);
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? 0]));
}

function eventNames(text) {
  return /^events: (.+)$/m.exec(text)?.[1].trim().split(/\s+/) ?? ['Ir'];
}

/** `/tmp/perf-<pid>.map` lines (`start size name`, hex) as a lookup: address → name, or undefined. */
export function perfMap(text) {
  const entries = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(line);
    if (match) entries.push({ start: parseInt(match[1], 16), size: parseInt(match[2], 16), name: match[3] });
  }
  entries.sort((a, b) => a.start - b.start);
  return (address) => {
    // The last entry starting at or below the address; V8 may map a range again (code moved or
    // replaced), so earlier overlapping entries are checked too.
    let low = 0;
    let high = entries.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (entries[mid].start <= address) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    for (let i = found; i >= 0 && address - entries[i].start < 1 << 20; i--)
      if (address < entries[i].start + entries[i].size) return entries[i].name;
    return undefined;
  };
}

/**
 * Each function's own cost in a dump, by event name: Map of name → { Ir, … }. A cost line after
 * `calls=` is the callee's inclusive cost and is not the caller's own. Functions valgrind knows
 * only by address (JIT code) are named by `nameOf(address)` when it knows them, else `JIT code`;
 * others are `object:function`. Recursion suffixes ('2) are merged.
 */
export function functionCosts(text, nameOf = () => undefined) {
  const events = eventNames(text);
  // A cost line starts with one position per name on the `positions:` line (`instr line` under
  // --dump-instr=yes), then the events' costs.
  const positions = /^positions: (.+)$/m.exec(text)?.[1].trim().split(/\s+/).length ?? 1;
  const names = new Map();
  const costs = new Map();
  let object = '';
  let fn = '';
  let callCost = false;
  for (const line of text.split('\n')) {
    if (callCost) {
      callCost = false;
      continue;
    }
    const spec = /^(c?fn|c?ob|fl|fi|fe|cfi|cfl)=\((\d+)\)(?: (.*))?$/.exec(line);
    if (spec) {
      const [, kind, id, name] = spec;
      const key = `${kind.replace(/^c/, '')}:${id}`;
      if (name !== undefined) names.set(key, name);
      if (kind === 'fn') fn = names.get(key) ?? '';
      else if (kind === 'ob') object = names.get(key) ?? '';
      continue;
    }
    if (line.startsWith('calls=')) {
      callCost = true;
      continue;
    }
    if (!/^[\d+\-*]/.test(line)) continue;
    const name = displayName(object, fn, nameOf);
    let cost = costs.get(name);
    if (cost === undefined) costs.set(name, (cost = Object.fromEntries(events.map((e) => [e, 0]))));
    const values = line.trim().split(/\s+/).slice(positions);
    values.forEach((value, i) => (cost[events[i]] += Number(value)));
  }
  return costs;
}

function displayName(object, fn, nameOf) {
  const plain = fn.replace(/'\d+$/, '');
  if (/^0x[0-9a-f]+$/i.test(plain)) return nameOf(parseInt(plain, 16)) ?? 'JIT code';
  const file = object.slice(object.lastIndexOf('/') + 1);
  return `${file}:${plain}`;
}
