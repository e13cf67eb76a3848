// Over 300 lines on purpose: the Permission class is the public check API (read, create, update,
// delete, per attribute); what each check does is delegated to decide.ts, check-input.ts,
// proposed-state.ts and rules.ts.
import { ConfigurationError, InvalidInputError } from '../errors.js';
import { defaultIsSuperuser, resolveCheckUser, type CheckOptions, type CreateCheckOptions } from './check-user.js';
import { foldAttributeName, foldedMap } from './attribute-names.js';
import { inspectAttributeNames, resolveMaxAttributes, type NameLimits } from './check-input.js';
import { decide, rejectCheck, type DecisionRequest, type Verdict } from './decide.js';
import { anyOf, compileList, sources, type CompiledExpression, type Memo } from './expression.js';
import { proposedState } from './proposed-state.js';
import type { PermissionRule } from './rules.js';

export type CrudAction = 'create' | 'read' | 'update' | 'delete';
const CRUD: readonly CrudAction[] = ['create', 'read', 'update', 'delete'];

/** general_manager's defaults for an action without a list: read is public, writes need a user. */
export const DEFAULT_PERMISSIONS: Readonly<Record<CrudAction, readonly string[]>> = Object.freeze({
  create: Object.freeze(['isAuthenticated']),
  read: Object.freeze(['public']),
  update: Object.freeze(['isAuthenticated']),
  delete: Object.freeze(['isAuthenticated']),
});

export interface PermissionDefinition {
  /** Name of the resource, written to every event's `manager`. */
  manager: string;
  /** Action-level expressions; any one that holds allows. Missing: DEFAULT_PERMISSIONS (none with basedOn). */
  create?: readonly string[];
  read?: readonly string[];
  update?: readonly string[];
  delete?: readonly string[];
  /**
   * Per-attribute expressions, e.g. `{ budget: { update: ['isAdmin'] } }`. `checkProposed: false`
   * judges an update of that attribute on the stored instance only (its new value is not laid over
   * the instance for the proposed-state pass): for a hand-over the owner may make.
   */
  attributes?: Readonly<Record<string, AttributeDefinition>>;
  /** Rules only this permission uses (they shadow global ones of the same name). */
  rules?: Readonly<Record<string, PermissionRule>>;
  /**
   * Inherit from the permission of a related object (general_manager's `__based_on__`): the
   * parent must allow the same action/attribute too, and its expressions are listed in every
   * event. `via` names the instance's field holding the parent, or is a function returning it.
   * When the parent is null/undefined, this permission's own lists fall back to the defaults.
   */
  basedOn?: { permission: Permission; via: string | ((instance: unknown) => unknown) };
  /**
   * `additive` (default): an attribute's list is an extra gate on top of the action's list.
   * `override`: an attribute's list replaces the action's list for that attribute.
   */
  attributeMode?: 'additive' | 'override';
  /** Who skips every rule (events say `bypassed`). Default: `isSuperuser`/`is_superuser` true. */
  isSuperuser?: (user: unknown) => boolean;
  /**
   * Attributes one check may decide (default 100). A check over it is refused as a whole with ONE
   * denied event and a CheckInputRejectedError, so one request cannot flood the audit log.
   */
  maxAttributes?: number;
}

const GRANTED: Verdict = Object.freeze({ granted: true });
const DENIED: Verdict = Object.freeze({ granted: false });
const DENIED_ON_PROPOSED: Verdict = Object.freeze({ granted: false, state: 'proposed' });

export type AttributeDefinition = Partial<Record<CrudAction, readonly string[]>> & { checkProposed?: boolean };

/** The states a check judges: the stored one, and the proposed one for an update that changes something. */
interface States {
  readonly stored: Evaluation;
  readonly proposed: Evaluation | null;
}

interface Evaluation {
  readonly user: unknown;
  readonly instance: unknown;
  readonly memo: Memo;
  /** Decisions of this state by folded attribute; null: every attribute without its own lists. */
  readonly decisions: Map<string | null, Promise<boolean>>;
  /** The parent's evaluation; null when there is no parent object. */
  readonly parent: Evaluation | null;
}

/**
 * A resource's permission model. Each `check*` evaluates one decision per attribute, emits one
 * PermissionAuditEvent per decision when logging is on, and throws one PermissionCheckError
 * listing every denial.
 */
export class Permission {
  readonly manager: string;
  readonly #actions: Readonly<Record<CrudAction, readonly CompiledExpression[] | undefined>>;
  /** Keyed by folded attribute name. */
  readonly #attributes: ReadonlyMap<string, Readonly<AttributeLists>>;
  readonly #defaults: Readonly<Record<CrudAction, readonly CompiledExpression[]>>;
  readonly #basedOn: { permission: Permission; via: (instance: unknown) => unknown } | null;
  readonly #override: boolean;
  /** Attributes whose new value is judged on the stored instance only (`checkProposed: false`). */
  readonly #storedOnly: ReadonlySet<string>;
  readonly #isSuperuser: (user: unknown) => boolean;
  readonly #limits: NameLimits;

  constructor(definition: PermissionDefinition) {
    if (definition === null || typeof definition !== 'object')
      throw new ConfigurationError('permission', 'must be an object');
    const { manager } = definition;
    if (typeof manager !== 'string' || manager.length === 0) {
      throw new ConfigurationError('permission.manager', 'must be a non-empty string');
    }
    this.manager = manager;
    const local = new Map<string, PermissionRule>();
    for (const [name, rule] of Object.entries(definition.rules ?? {})) {
      if (typeof rule !== 'function') throw new ConfigurationError(`${manager}.rules.${name}`, 'must be a function');
      local.set(name, rule);
    }
    const actions = {} as Record<CrudAction, readonly CompiledExpression[] | undefined>;
    const defaults = {} as Record<CrudAction, readonly CompiledExpression[]>;
    for (const action of CRUD) {
      const list = definition[action];
      actions[action] = list === undefined ? undefined : compileList(list, local, `${manager}.${action}`);
      defaults[action] = compileList(DEFAULT_PERMISSIONS[action], local, `${manager}.${action}`);
    }
    this.#actions = actions;
    this.#defaults = defaults;
    const { attributes, storedOnly } = compileAttributes(definition.attributes, local, manager);
    this.#attributes = attributes;
    this.#storedOnly = storedOnly;
    this.#limits = {
      maxAttributes: resolveMaxAttributes(definition.maxAttributes, `${manager}.maxAttributes`),
      gated: new Set([...attributes].filter(([, lists]) => Object.keys(lists).length > 0).map(([name]) => name)),
    };
    const basedOn = definition.basedOn;
    if (basedOn !== undefined) {
      if (!(basedOn?.permission instanceof Permission)) {
        throw new ConfigurationError(`${manager}.basedOn.permission`, 'must be a Permission (from definePermission)');
      }
      const via = basedOn.via;
      if (typeof via !== 'string' && typeof via !== 'function') {
        throw new ConfigurationError(
          `${manager}.basedOn.via`,
          'must be a field name or a function returning the parent object',
        );
      }
      this.#basedOn = {
        permission: basedOn.permission,
        via:
          typeof via === 'string'
            ? (instance) =>
                instance === null || instance === undefined ? undefined : (instance as Record<string, unknown>)[via]
            : via,
      };
    } else {
      this.#basedOn = null;
    }
    if (
      definition.attributeMode !== undefined &&
      definition.attributeMode !== 'additive' &&
      definition.attributeMode !== 'override'
    ) {
      throw new ConfigurationError(`${manager}.attributeMode`, 'must be "additive" or "override"');
    }
    this.#override = definition.attributeMode === 'override';
    this.#isSuperuser = definition.isSuperuser ?? defaultIsSuperuser;
  }

  /**
   * Create: one decision per key of `data`; rules judge the payload (what is about to be stored);
   * empty data → one operation-level decision. With `basedOn`, the parent is `options.parent`
   * (loaded from storage; null for none), never a field of the payload, which the client wrote.
   */
  checkCreate(data: Record<string, unknown>, options?: CreateCheckOptions): Promise<void> {
    return this.#check(
      'create',
      () => {
        if (this.#basedOn !== null && !(options !== undefined && options !== null && 'parent' in options)) {
          throw new ConfigurationError(
            `${this.manager}.checkCreate`,
            "this permission is basedOn a parent: pass the parent loaded from storage as { parent } (null for none); the payload's own field is the client's claim",
          );
        }
        return payloadKeys(data, 'checkCreate');
      },
      true,
      (user) => ({ stored: this.#evaluationOf(data, user, options?.parent), proposed: null }),
      options,
    );
  }

  /** Read: one decision per attribute asked for; none → one operation-level decision. */
  checkRead(instance: unknown, attributes: readonly string[] = [], options?: CheckOptions): Promise<void> {
    return this.#check(
      'read',
      () => stringKeys(attributes, 'checkRead'),
      false,
      (user) => ({ stored: this.#evaluation(instance, user), proposed: null }),
      options,
    );
  }

  /**
   * Update: one decision per key of `data`. Rules and `basedOn` judge the stored `instance` first;
   * then, unless the changed attributes opt out (`checkProposed: false`), the proposed state (the
   * instance with `data` laid over it, its getters and methods still working) must pass as well.
   * So a body can neither claim what the stored object does not say, nor give the object away.
   */
  checkUpdate(instance: object, data: Record<string, unknown>, options?: CheckOptions): Promise<void> {
    return this.#check(
      'update',
      () => payloadKeys(data, 'checkUpdate'),
      true,
      (user, keys) => {
        const base = instance !== null && typeof instance === 'object' ? instance : {};
        const stored = this.#evaluation(base, user);
        const applies = (key: string) => !this.#storedOnly.has(foldAttributeName(key));
        // Nothing to lay over (empty body, or only opted-out attributes): the stored state decides.
        if (!keys.some(applies)) return { stored, proposed: null };
        return { stored, proposed: this.#proposedEvaluation(stored, proposedState(base, data, applies), user) };
      },
      options,
    );
  }

  /** Delete: one decision per attribute of the instance (own enumerable, not `_`-prefixed). */
  checkDelete(instance: object, options?: CheckOptions & { attributes?: readonly string[] }): Promise<void> {
    return this.#check(
      'delete',
      () => (options?.attributes ? stringKeys(options.attributes, 'checkDelete') : instanceAttributes(instance)),
      false,
      (user) => ({ stored: this.#evaluation(instance, user), proposed: null }),
      options,
    );
  }

  /** The expressions that decide `action` on `attribute` (null: the operation), inherited ones last. */
  describe(action: CrudAction, attribute: string | null = null): string[] {
    return this.#describe(action, attribute, true);
  }

  /**
   * `keysOf` names the attributes (`fromBody`: the keys of a request body); they are inspected
   * before `statesOf` builds anything, so refused input costs no rule and one event.
   */
  #check(
    action: CrudAction,
    keysOf: () => string[],
    fromBody: boolean,
    statesOf: (user: unknown, keys: readonly string[]) => States,
    options: CheckOptions | undefined,
  ): Promise<void> {
    try {
      const keys = keysOf();
      const user = resolveCheckUser(options);
      // One object, completed below rather than spread: a spread here is costly on every check.
      const request: DecisionRequest = {
        action,
        manager: this.manager,
        targets: keys.length === 0 ? [null] : keys,
        operationAttribute: null,
        user,
        userExplicit: options !== undefined && options !== null && 'user' in options,
        bypass: this.#isSuperuser(user),
        metadata: options?.metadata,
        evaluate: () => Promise.resolve(DENIED),
        describe: (target) => this.#describe(action, target, true),
      };
      const rejection = inspectAttributeNames(keys, fromBody, this.#limits);
      if (rejection !== null) return rejectCheck(request, rejection);
      const { stored, proposed } = statesOf(user, keys);
      request.evaluate = (target) => this.#verdict(stored, proposed, action, target);
      request.describe = (target) => this.#describeFor(stored, action, target);
      return decide(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #evaluation(instance: unknown, user: unknown): Evaluation {
    return this.#evaluationOf(instance, user, this.#basedOn === null ? undefined : this.#basedOn.via(instance));
  }

  /** An evaluation of `instance` whose parent object is given (null/undefined: none). */
  #evaluationOf(instance: unknown, user: unknown, parentInstance: unknown): Evaluation {
    let parent: Evaluation | null = null;
    if (this.#basedOn !== null && parentInstance !== null && parentInstance !== undefined) {
      parent = this.#basedOn.permission.#evaluation(parentInstance, user);
    }
    return { user, instance, memo: new Map(), decisions: new Map(), parent };
  }

  /**
   * The proposed state's evaluation. The parent is the stored one unless the changes move the
   * object: then the new parent must allow too (the stored one already has to), so a parent the
   * body forges can only deny.
   */
  #proposedEvaluation(stored: Evaluation, after: object, user: unknown): Evaluation {
    let parent = stored.parent;
    if (this.#basedOn !== null) {
      const next = this.#basedOn.via(after);
      if (next !== this.#basedOn.via(stored.instance)) {
        parent = next === null || next === undefined ? null : this.#basedOn.permission.#evaluation(next, user);
      }
    }
    return { user, instance: after, memo: new Map(), decisions: new Map(), parent };
  }

  /** Stored state first; the proposed one (when there is one) must allow as well. */
  async #verdict(
    stored: Evaluation,
    proposed: Evaluation | null,
    action: CrudAction,
    attribute: string | null,
  ): Promise<Verdict> {
    const folded = attribute === null ? null : foldAttributeName(attribute);
    if (!(await this.#decision(stored, action, folded))) return DENIED;
    if (proposed === null || (folded !== null && this.#storedOnly.has(folded))) return GRANTED;
    return (await this.#decision(proposed, action, folded)) ? GRANTED : DENIED_ON_PROPOSED;
  }

  /**
   * One state's decision on a (folded) attribute. Attributes without lists of their own anywhere
   * in the basedOn chain all get the operation's decision: it is computed once per state.
   */
  #decision(evaluation: Evaluation, action: CrudAction, folded: string | null): Promise<boolean> {
    const key = folded !== null && this.#hasOwnLists(folded) ? folded : null;
    let decision = evaluation.decisions.get(key);
    if (decision === undefined) {
      decision = this.#allowed(evaluation, action, key);
      evaluation.decisions.set(key, decision);
    }
    return decision;
  }

  #hasOwnLists(folded: string): boolean {
    return this.#attributes.has(folded) || (this.#basedOn !== null && this.#basedOn.permission.#hasOwnLists(folded));
  }

  #baseList(action: CrudAction, evaluation: Evaluation | null): readonly CompiledExpression[] {
    const explicit = this.#actions[action];
    if (explicit !== undefined) return explicit;
    // With a parent deciding, an unset list adds nothing; without one, the defaults apply.
    const parentDecides = this.#basedOn !== null && (evaluation === null || evaluation.parent !== null);
    return parentDecides ? [] : this.#defaults[action];
  }

  #localLists(action: CrudAction, attribute: string | null, evaluation: Evaluation | null) {
    const base = this.#baseList(action, evaluation);
    const own = attribute === null ? undefined : this.#attributes.get(foldAttributeName(attribute))?.[action];
    return { base, own };
  }

  async #allowed(evaluation: Evaluation, action: CrudAction, attribute: string | null): Promise<boolean> {
    if (
      evaluation.parent !== null &&
      !(await this.#basedOn!.permission.#allowed(evaluation.parent, action, attribute))
    ) {
      return false;
    }
    const { base, own } = this.#localLists(action, attribute, evaluation);
    const { user, instance, memo } = evaluation;
    if (own === undefined) return anyOf(base, user, instance, memo);
    if (this.#override) return anyOf(own, user, instance, memo);
    return (await anyOf(base, user, instance, memo)) && anyOf(own, user, instance, memo);
  }

  #describeFor(evaluation: Evaluation, action: CrudAction, attribute: string | null): string[] {
    const { base, own } = this.#localLists(action, attribute, evaluation);
    const local =
      own === undefined ? sources(base) : this.#override ? sources(own) : [...sources(base), ...sources(own)];
    if (evaluation.parent === null) return local;
    return [...local, ...this.#basedOn!.permission.#describeFor(evaluation.parent, action, attribute)];
  }

  #describe(action: CrudAction, attribute: string | null, withParent: boolean): string[] {
    const { base, own } = this.#localLists(action, attribute, null);
    const local =
      own === undefined ? sources(base) : this.#override ? sources(own) : [...sources(base), ...sources(own)];
    if (!withParent || this.#basedOn === null) return local;
    return [...local, ...this.#basedOn.permission.#describe(action, attribute, true)];
  }
}

/** Defines a resource's permission model; see PermissionDefinition. */
export function definePermission(definition: PermissionDefinition): Permission {
  return new Permission(definition);
}

type AttributeLists = Partial<Record<CrudAction, readonly CompiledExpression[]>>;

/**
 * Per-attribute lists and checkProposed opt-outs, keyed by folded name (attribute-names.ts): the
 * database writes `Budget` into budget, so budget's gate must apply to it.
 */
function compileAttributes(
  definitions: PermissionDefinition['attributes'],
  local: ReadonlyMap<string, PermissionRule>,
  manager: string,
): { attributes: Map<string, AttributeLists>; storedOnly: Set<string> } {
  const entries = Object.entries(definitions ?? {});
  foldedMap(entries, `${manager}.attributes`); // two names for one attribute are an error
  const attributes = new Map<string, AttributeLists>();
  const storedOnly = new Set<string>();
  for (const [attribute, perAction] of entries) {
    const setting = `${manager}.attributes.${attribute}`;
    if (perAction === null || typeof perAction !== 'object')
      throw new ConfigurationError(setting, 'must be an object like { update: [...] }');
    const compiled: AttributeLists = {};
    for (const [action, list] of Object.entries(perAction)) {
      if (action === 'checkProposed') {
        if (typeof list !== 'boolean') throw new ConfigurationError(`${setting}.checkProposed`, 'must be a boolean');
        if (!list) storedOnly.add(foldAttributeName(attribute));
      } else if (CRUD.includes(action as CrudAction)) {
        compiled[action as CrudAction] = compileList(list, local, `${setting}.${action}`);
      } else {
        throw new ConfigurationError(setting, `unknown action ${JSON.stringify(action)}`);
      }
    }
    attributes.set(foldAttributeName(attribute), compiled);
  }
  return { attributes, storedOnly };
}

function payloadKeys(data: unknown, method: string): string[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidInputError(`${method}: data must be a plain object of attribute → value`);
  }
  return Object.keys(data);
}

function stringKeys(list: unknown, method: string): string[] {
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) {
    throw new InvalidInputError(`${method}: attributes must be an array of strings`);
  }
  return [...(list as string[])];
}

function instanceAttributes(instance: unknown): string[] {
  if (instance === null || typeof instance !== 'object') return [];
  return Object.keys(instance).filter(
    (key) => !key.startsWith('_') && typeof (instance as Record<string, unknown>)[key] !== 'function',
  );
}
