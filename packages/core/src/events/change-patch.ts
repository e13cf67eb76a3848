import { createPatch, Pointer, type Operation } from 'rfc6902';
import { diffAny } from 'rfc6902/diff.js';
import { InvalidEventError } from '../errors.js';
import type { FieldMasker } from '../masking/mask.js';
import { maskedCopy } from '../masking/masked-copy.js';
import { MaskPlaceholders } from './change-placeholders.js';
import type { JsonObject, JsonValue } from './types.js';

/** Content key of a change event's JSON Patch (RFC 6902, each replace/remove with `old`). */
export const CHANGES_KEY = 'changes';
/** Content key present only when a limit cut the patch short: a ChangeTruncation. */
export const CHANGES_TRUNCATED_KEY = 'changesTruncated';
/** Most operations stored per change event; the rest are counted in `changesTruncated`. */
export const MAX_CHANGE_OPERATIONS = 200;
/**
 * Largest snapshot (JSON bytes, each of before and after) that is diffed. Copying a snapshot costs
 * what masking the same data as content does, twice over with the diff: a quarter MiB keeps a
 * change event within the cost of an ordinary event of a few hundred KiB.
 */
export const MAX_CHANGE_INPUT_BYTES = 256 * 1024;

/**
 * Work allowed per diff, in units of roughly a microsecond of rfc6902's time here: a value
 * compared costs 2, an array compared item by item 10 plus its edit-distance estimate below. A
 * 50-field record takes a few hundred. Past the budget the diff starts again coarsely
 * (ChangeTruncation.coarse), so the diff of no input holds a request for more than some tens of
 * milliseconds.
 */
const MAX_DIFF_WORK = 30_000;
const VALUE_WORK = 2;
const ARRAY_WORK = 10;
/**
 * rfc6902 diffs arrays item by item with an edit distance whose time grows with
 * (n+1)(m+1)(n+m) for lengths n and m, recursing as deep as n+m (docs/change-events.md#limits has
 * the measured costs). Arrays up to this estimate are
 * diffed item by item (16 units of it per unit of budget); larger ones that differ are replaced
 * whole, which is exact, only less detailed.
 */
const MAX_ARRAY_DIFF_ESTIMATE = 100_000;
const ESTIMATE_PER_WORK = 16;

/** One operation of a change event's patch: RFC 6902, with the value it overwrote or removed as `old`. */
export type ChangeOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'remove'; path: string; old: JsonValue }
  | { op: 'replace'; path: string; value: JsonValue; old: JsonValue };

/** Why a stored patch is not the whole, fine-grained difference (content `changesTruncated`). */
export interface ChangeTruncation {
  /** Operations the diff produced; only the first `storedOperations` are in `changes`. */
  totalOperations: number;
  storedOperations: number;
  /** The diff ran out of work budget: each top-level field that differs is replaced whole. */
  coarse: boolean;
  /** A snapshot was larger than MAX_CHANGE_INPUT_BYTES: not diffed, `changes` is empty. */
  inputTooLarge: boolean;
}

export interface ChangePatch {
  operations: ChangeOperation[];
  /** Null when `operations` is the complete, fine-grained patch. */
  truncated: ChangeTruncation | null;
  /** False when before and after are the same JSON (after masking rules); true if unknown. */
  changed: boolean;
}

/**
 * The difference between two snapshots of a record as an RFC 6902 JSON Patch (rfc6902's diff).
 * Both are first copied as event content is (JSON-safe conversion, depth clamp, cycles refused)
 * within MAX_CHANGE_INPUT_BYTES each, so the diff only ever sees bounded plain JSON. With a
 * masker, sensitive values are compared through placeholders and stored as MASK in `value` and
 * `old` alike; `masker` null stores them as they are (maskContent: false).
 */
export function computeChangePatch(before: unknown, after: unknown, masker: FieldMasker | null): ChangePatch {
  const placeholders = masker === null ? null : new MaskPlaceholders(MAX_CHANGE_INPUT_BYTES);
  const placeholder = placeholders === null ? undefined : placeholders.placeholder;
  const from = maskedCopy(before, masker, MAX_CHANGE_INPUT_BYTES, true, { placeholder, path: 'before' });
  const to = maskedCopy(after, masker, MAX_CHANGE_INPUT_BYTES, true, { placeholder, path: 'after' });
  checkSnapshot(from.value, 'before');
  checkSnapshot(to.value, 'after');
  if (from.stopped || to.stopped) {
    // A prefix of each is all there is: diffing prefixes would invent removals. Recorded as changed.
    return {
      operations: [],
      truncated: { totalOperations: 0, storedOperations: 0, coarse: false, inputTooLarge: true },
      changed: true,
    };
  }
  let coarse = false;
  let patch: Operation[];
  try {
    patch = createPatch(from.value, to.value, fineDiff(new Budget(MAX_DIFF_WORK)));
  } catch (err) {
    if (!(err instanceof OutOfBudget)) throw err;
    coarse = true;
    patch = createPatch(from.value, to.value, coarseDiff);
  }
  const unmask = (value: JsonValue | undefined): JsonValue =>
    placeholders === null ? copyJson(value) : placeholders.unmask(value);
  const operations = withOldValues(from.value as JsonObject, patch.slice(0, MAX_CHANGE_OPERATIONS), unmask);
  const cut = patch.length > operations.length;
  const truncated =
    coarse || cut
      ? { totalOperations: patch.length, storedOperations: operations.length, coarse, inputTooLarge: false }
      : null;
  return { operations, truncated, changed: patch.length > 0 };
}

function checkSnapshot(value: JsonValue, name: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError(
      `createChangeEvent: ${name} must be an object (the record's fields ${name} the change)`,
    );
  }
}

/**
 * Adds `old` to each replace/remove: the value at its path just before it applies, read while
 * the operations are applied in order to a working copy of `before` (array indexes in a patch
 * refer to the array as the earlier operations left it, not to `before`). The working copy is
 * `before`'s own copy, which nothing else uses; every stored value is a fresh copy.
 */
function withOldValues(
  working: JsonObject,
  patch: Operation[],
  unmask: (value: JsonValue | undefined) => JsonValue,
): ChangeOperation[] {
  const out: ChangeOperation[] = [];
  for (const operation of patch) {
    const { path } = operation;
    const tokens = Pointer.fromJSON(path).tokens.slice(1);
    const parent = locate(working, tokens.slice(0, -1));
    const key = tokens[tokens.length - 1];
    if (parent === undefined || key === undefined)
      throw new Error(`rfc6902 produced an operation on a missing path ${path}`);
    if (operation.op === 'add') {
      out.push({ op: 'add', path, value: unmask(operation.value as JsonValue) });
      insert(parent, key, operation.value as JsonValue);
    } else if (operation.op === 'remove' || operation.op === 'replace') {
      const old = unmask(childOf(parent, key));
      if (operation.op === 'remove') {
        out.push({ op: 'remove', path, old });
        removeChild(parent, key);
      } else {
        out.push({ op: 'replace', path, value: unmask(operation.value as JsonValue), old });
        if (Array.isArray(parent)) parent[Number(key)] = operation.value as JsonValue;
        else setOwn(parent, key, operation.value as JsonValue);
      }
    } else {
      // createPatch makes add/remove/replace only; anything else would be a change in rfc6902.
      throw new Error(`rfc6902 produced an unexpected ${operation.op} operation`);
    }
  }
  return out;
}

// A patch applied by hand rather than by rfc6902's applyPatch: that one resolves the keys
// `__proto__`, `constructor` and `prototype` to the parent object (and assigning `__proto__`
// sets a prototype), and records may hold any key. Only own properties are ever read or written.

type Container = JsonObject | JsonValue[];

function childOf(node: Container, key: string): JsonValue | undefined {
  if (Array.isArray(node)) return /^(0|[1-9][0-9]*)$/.test(key) ? node[Number(key)] : undefined;
  return Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
}

function locate(root: JsonObject, tokens: readonly string[]): Container | undefined {
  let node: JsonValue | undefined = root;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    node = childOf(node, token);
  }
  return node !== null && typeof node === 'object' ? node : undefined;
}

function insert(parent: Container, key: string, value: JsonValue): void {
  if (!Array.isArray(parent)) setOwn(parent, key, value);
  else if (key === '-') parent.push(value);
  else parent.splice(Number(key), 0, value);
}

function removeChild(parent: Container, key: string): void {
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}

function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Thrown through rfc6902's recursion when a diff runs out of budget; caught in computeChangePatch. */
class OutOfBudget extends Error {}

class Budget {
  #left: number;
  constructor(work: number) {
    this.#left = work;
  }
  spend(work: number): void {
    this.#left -= work;
    if (this.#left < 0) throw new OutOfBudget('change diff over budget');
  }
}

type Diff = (input: unknown, output: unknown, ptr: Pointer) => Operation[] | void;

/**
 * rfc6902's own diff (diffAny), with large arrays compared whole and its work counted against the
 * budget: each value compared, each array's edit distance, and each operation list it returns,
 * since every level copies the lists of the levels below (a diff with many changes deep down
 * costs that many operations at every level above them).
 */
function fineDiff(budget: Budget): Diff {
  const diff = (input: unknown, output: unknown, ptr: Pointer): Operation[] => {
    budget.spend(VALUE_WORK);
    if (Array.isArray(input) && Array.isArray(output)) {
      const estimate = (input.length + 1) * (output.length + 1) * (input.length + output.length);
      if (estimate > MAX_ARRAY_DIFF_ESTIMATE) {
        return sameJson(input, output, budget) ? [] : [{ op: 'replace', path: ptr.toString(), value: output }];
      }
      budget.spend(ARRAY_WORK + Math.ceil(estimate / ESTIMATE_PER_WORK));
    }
    const operations = diffAny(input, output, ptr, diff);
    budget.spend(operations.length);
    return operations;
  };
  return diff;
}

/** The fallback: rfc6902 diffs the top-level keys, and each differing top-level value is replaced whole. */
const coarseDiff: Diff = (input, output, ptr) => {
  if (ptr.tokens.length <= 1) return undefined;
  return sameJson(input, output, null) ? [] : [{ op: 'replace', path: ptr.toString(), value: output }];
};

/** JSON equality (key order ignored), linear in the smaller value; counts its work when given a budget. */
function sameJson(a: unknown, b: unknown, budget: Budget | null): boolean {
  budget?.spend(1);
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], other[i], budget)) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(right, key) || !sameJson(left[key], right[key], budget)) return false;
  }
  return true;
}

/** A fresh copy of plain JSON (stored values must not share objects with each other or the caller). */
function copyJson(value: JsonValue | undefined): JsonValue {
  if (value === undefined || value === null || typeof value !== 'object') return value ?? null;
  if (Array.isArray(value)) return value.map(copyJson);
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: copyJson(value[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
