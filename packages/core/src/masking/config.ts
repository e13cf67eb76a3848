import { ConfigurationError, rejectUnknownOptions } from '../errors.js';
import { registry } from '../registry.js';
import { DEFAULT_MASKED_FIELDS, FieldMasker } from './mask.js';

/** The process-wide masking configuration: see configureMasking(). */
export interface MaskingOptions {
  /** Field names masked in addition to DEFAULT_MASKED_FIELDS (the app's own: `internal_note`). */
  fields?: readonly string[];
  /** Use only `fields`, not the defaults. Default false. */
  replaceDefaults?: boolean;
}

/**
 * What configureMasking() stores in the registry. The options are kept as given, not only the
 * masker, so that each copy of this package derives request maskers from its own default list.
 */
interface MaskingState {
  readonly fields: readonly string[];
  readonly replaceDefaults: boolean;
  readonly masker: FieldMasker;
}

const KNOWN = new Set(['fields', 'replaceDefaults']);

// Created once per process and never replaced (see registry()): holding it saves a lookup per use.
const REG = registry();

/** This copy's masker of the defaults, made on first use: importing the package builds nothing. */
let defaultMasker: FieldMasker | null = null;

function configured(): MaskingState | null {
  // Absent (undefined) in a registry made by an older copy of this package: the defaults.
  return (REG.masking as MaskingState | null | undefined) ?? null;
}

/**
 * Sets the field names masked everywhere in this process: captured request data (the middlewares
 * add their `maskPostFields` to these), event content and extraData, permission metadata. Called
 * with no options, goes back to DEFAULT_MASKED_FIELDS. Takes effect for events built from now on,
 * in contexts that already exist too. Returns the masker now in force.
 */
export function configureMasking(options: MaskingOptions = {}): FieldMasker {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError('masking', 'options must be an object');
  }
  rejectUnknownOptions(options, KNOWN);
  const fields = fieldNames(options.fields, 'fields');
  const replaceDefaults = options.replaceDefaults ?? false;
  if (typeof replaceDefaults !== 'boolean') throw new ConfigurationError('replaceDefaults', 'must be a boolean');
  if (fields.length === 0 && !replaceDefaults) {
    REG.masking = null;
    return getMasker();
  }
  const state: MaskingState = {
    fields: Object.freeze([...fields]),
    replaceDefaults,
    masker: new FieldMasker(replaceDefaults ? fields : [...DEFAULT_MASKED_FIELDS, ...fields]),
  };
  REG.masking = state;
  return state.masker;
}

/** The masker in force process-wide: the one configureMasking() built, or the defaults'. */
export function getMasker(): FieldMasker {
  const state = configured();
  if (state !== null) return state.masker;
  return (defaultMasker ??= new FieldMasker(DEFAULT_MASKED_FIELDS));
}

/**
 * The masker of a middleware's `maskPostFields`: the process-wide fields plus `fields`, or only
 * `fields` when they replace the defaults. Returned as a function, read per request, so that a
 * configureMasking() call made after the middleware was created still counts; the masker is
 * rebuilt only when the process-wide configuration changed.
 */
export function requestMasker(fields: readonly string[], replaceDefaults: boolean): () => FieldMasker {
  if (replaceDefaults) {
    const own = new FieldMasker(fields);
    return () => own;
  }
  if (fields.length === 0) return getMasker;
  let base: MaskingState | null | undefined;
  let masker: FieldMasker | null = null;
  return () => {
    const state = configured();
    if (masker === null || state !== base) {
      masker = new FieldMasker([...processWideFields(state), ...fields]);
      base = state;
    }
    return masker;
  };
}

function processWideFields(state: MaskingState | null): readonly string[] {
  if (state === null) return DEFAULT_MASKED_FIELDS;
  return state.replaceDefaults ? state.fields : [...DEFAULT_MASKED_FIELDS, ...state.fields];
}

function fieldNames(value: unknown, setting: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw new ConfigurationError(setting, 'must be an array of non-empty strings');
  }
  return value as string[];
}
