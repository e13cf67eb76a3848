import { NotJsonSerializableError } from '../errors.js';
import type { JsonValue } from './types.js';

/**
 * Copies a value into plain JSON, or throws NotJsonSerializableError naming the path of the first
 * value that cannot be stored. Conversions (documented in the README):
 * - Date → ISO 8601 string (an invalid Date is an error);
 * - BigInt → decimal string (JSON numbers cannot hold it exactly);
 * - objects with toJSON() (Buffer, Decimal, Luxon…) → the result of toJSON(), then copied;
 * - Map → object (keys as strings), Set → array;
 * - undefined properties are omitted; undefined array items, NaN and ±Infinity become null,
 *   exactly as JSON.stringify does.
 * Functions, symbols and circular references are errors. Keys `__proto__` are kept as data
 * (copied with defineProperty), never as prototypes.
 */
export function toJsonSafe(value: unknown, path = 'value', maxDepth = 200): JsonValue {
  return copy(value, path, new Set<object>(), maxDepth);
}

/**
 * Where a value sits, spelled out only when an error names it: building `content.items[3].name`
 * for every key copied cost more than the copy itself.
 */
type Path = string | { readonly parent: Path; readonly key: string | number };

function pathText(path: Path): string {
  if (typeof path === 'string') return path;
  const parent = pathText(path.parent);
  const { key } = path;
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function fail(path: Path, reason: string): never {
  throw new NotJsonSerializableError(pathText(path), reason);
}

function copy(value: unknown, path: Path, seen: Set<object>, depthLeft: number): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
      return null;
    case 'function':
      return fail(path, 'functions are not data');
    case 'symbol':
      return fail(path, 'symbols are not data');
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (depthLeft <= 0) fail(path, 'nested too deeply');
  if (obj instanceof Date) {
    const time = obj.getTime();
    if (Number.isNaN(time)) fail(path, 'invalid Date');
    return obj.toISOString();
  }
  if (seen.has(obj)) fail(path, 'circular reference');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const out: JsonValue[] = new Array(obj.length);
      for (let i = 0; i < obj.length; i++) out[i] = copy(obj[i], { parent: path, key: i }, seen, depthLeft - 1);
      return out;
    }
    if (obj instanceof Set) {
      return copy([...obj], path, seen, depthLeft);
    }
    if (obj instanceof Map) {
      const out: { [key: string]: JsonValue } = {};
      for (const [k, v] of obj) setKey(out, String(k), copy(v, { parent: path, key: String(k) }, seen, depthLeft - 1));
      return out;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const converted: unknown = toJSON.call(obj);
      if (converted === obj) fail(path, 'toJSON() returned itself');
      return copy(converted, path, seen, depthLeft);
    }
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(obj)) {
      const v = (obj as Record<string, unknown>)[key];
      if (v === undefined) continue;
      setKey(out, key, copy(v, { parent: path, key }, seen, depthLeft - 1));
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Sets own data properties even for keys like `__proto__`, which plain assignment would swallow. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Object.assign without its prototype-setting `__proto__` pitfall. */
export function assignOwn<T extends Record<string, unknown>>(target: T, source: Record<string, unknown>): T {
  for (const key of Object.keys(source)) setKey(target, key, source[key]);
  return target;
}
