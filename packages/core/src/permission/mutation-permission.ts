import { ConfigurationError, InvalidInputError } from '../errors.js';
import { defaultIsSuperuser, resolveCheckUser, type CheckOptions } from './check-user.js';
import { foldAttributeName, foldedMap } from './attribute-names.js';
import { inspectAttributeNames, resolveMaxAttributes, type NameLimits } from './check-input.js';
import { decide, rejectCheck, type DecisionRequest } from './decide.js';
import { anyOf, compileList, sources, type CompiledExpression, type Memo } from './expression.js';
import { proposedState } from './proposed-state.js';
import type { PermissionRule } from './rules.js';

/** The attribute name of a mutation checked without fields (general_manager's `__mutate__`). */
export const MUTATE_ATTRIBUTE = '__mutate__';

export interface MutationPermissionDefinition {
  /** Name of the mutation, written to every event's `manager`. */
  mutation: string;
  /** Who may run the mutation at all; any one expression that holds allows. Default `['isAuthenticated']`. */
  mutate?: readonly string[];
  /** Extra per-field gates, on top of `mutate`. */
  fields?: Readonly<Record<string, readonly string[]>>;
  rules?: Readonly<Record<string, PermissionRule>>;
  isSuperuser?: (user: unknown) => boolean;
  /** Fields one check may decide (default 100); more is refused as a whole, as in PermissionDefinition. */
  maxAttributes?: number;
}

/** check()'s options: `instance` is the stored object the mutation acts on, if any. */
export interface MutationCheckOptions extends CheckOptions {
  /**
   * The object the mutation changes, loaded from storage. Given, rules judge it first and then the
   * proposed state (it with `data` laid over it), as checkUpdate does; without it they judge `data`,
   * the caller's input, which may limit what is asked (`matches:currency:EUR`) but proves nothing
   * about ownership.
   */
  instance?: object | null;
}

/** Permission of a command-like operation (a GraphQL mutation, an RPC): events have action `mutation`. */
export class MutationPermission {
  readonly mutation: string;
  readonly #mutate: readonly CompiledExpression[];
  readonly #fields: ReadonlyMap<string, readonly CompiledExpression[]>;
  readonly #isSuperuser: (user: unknown) => boolean;
  readonly #limits: NameLimits;

  constructor(definition: MutationPermissionDefinition) {
    if (definition === null || typeof definition !== 'object')
      throw new ConfigurationError('mutationPermission', 'must be an object');
    const { mutation } = definition;
    if (typeof mutation !== 'string' || mutation.length === 0) {
      throw new ConfigurationError('mutationPermission.mutation', 'must be a non-empty string');
    }
    this.mutation = mutation;
    const local = new Map<string, PermissionRule>();
    for (const [name, rule] of Object.entries(definition.rules ?? {})) {
      if (typeof rule !== 'function') throw new ConfigurationError(`${mutation}.rules.${name}`, 'must be a function');
      local.set(name, rule);
    }
    this.#mutate = compileList(definition.mutate ?? ['isAuthenticated'], local, `${mutation}.mutate`);
    // Keyed by folded name, as Permission's attributes: `Amount` meets amount's gate.
    this.#fields = foldedMap(
      Object.entries(definition.fields ?? {}).map(
        ([field, list]) => [field, compileList(list, local, `${mutation}.fields.${field}`)] as const,
      ),
      `${mutation}.fields`,
    );
    this.#isSuperuser = definition.isSuperuser ?? defaultIsSuperuser;
    this.#limits = {
      maxAttributes: resolveMaxAttributes(definition.maxAttributes, `${mutation}.maxAttributes`),
      gated: new Set(this.#fields.keys()),
    };
  }

  /**
   * One decision per field of `data` (`__mutate__` when there are none); see
   * MutationCheckOptions.instance for what rules judge.
   */
  check(data: Record<string, unknown> = {}, options?: MutationCheckOptions): Promise<void> {
    try {
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new InvalidInputError('MutationPermission.check: data must be a plain object of field → value');
      }
      const keys = Object.keys(data);
      const user = resolveCheckUser(options);
      // One object, completed below rather than spread (a spread is costly on every check).
      const request: DecisionRequest = {
        action: 'mutation',
        manager: this.mutation,
        targets: keys.length === 0 ? [null] : keys,
        operationAttribute: MUTATE_ATTRIBUTE,
        user,
        userExplicit: options !== undefined && options !== null && 'user' in options,
        bypass: this.#isSuperuser(user),
        metadata: options?.metadata,
        evaluate: () => Promise.resolve({ granted: false }),
        describe: (field) => this.describe(field),
      };
      const rejection = inspectAttributeNames(keys, true, this.#limits);
      if (rejection !== null) return rejectCheck(request, rejection);
      const stored = options?.instance;
      const states: Array<{ instance: unknown; memo: Memo }> = [];
      if (stored !== null && typeof stored === 'object') {
        states.push({ instance: stored, memo: new Map() });
        if (keys.length > 0) states.push({ instance: proposedState(stored, data, () => true), memo: new Map() });
      } else {
        states.push({ instance: data, memo: new Map() });
      }
      request.evaluate = async (field) => {
        for (let index = 0; index < states.length; index++) {
          const { instance, memo } = states[index]!;
          if (!(await this.#allows(field, user, instance, memo)))
            return index === 0 ? { granted: false } : { granted: false, state: 'proposed' };
        }
        return { granted: true };
      };
      return decide(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #allows(field: string | null, user: unknown, instance: unknown, memo: Memo): Promise<boolean> {
    if (!(await anyOf(this.#mutate, user, instance, memo))) return false;
    const own = field === null ? undefined : this.#fields.get(foldAttributeName(field));
    return own === undefined ? true : anyOf(own, user, instance, memo);
  }

  /** The expressions that decide `field` (null: the mutation as a whole). */
  describe(field: string | null = null): string[] {
    const own = field === null ? undefined : this.#fields.get(foldAttributeName(field));
    return own === undefined ? sources(this.#mutate) : [...sources(this.#mutate), ...sources(own)];
  }
}

export function defineMutationPermission(definition: MutationPermissionDefinition): MutationPermission {
  return new MutationPermission(definition);
}
