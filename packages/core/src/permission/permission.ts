import { ConfigurationError, InvalidInputError } from '../errors.js';
import { assignOwn } from '../events/json-safe.js';
import { defaultIsSuperuser, resolveCheckUser, type CheckOptions } from './check-user.js';
import { decide } from './decide.js';
import { anyOf, compileList, sources, type CompiledExpression, type Memo } from './expression.js';
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
  /** Per-attribute expressions, e.g. `{ budget: { update: ['isAdmin'] } }`. */
  attributes?: Readonly<Record<string, Partial<Record<CrudAction, readonly string[]>>>>;
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
}

interface Evaluation {
  readonly user: unknown;
  readonly instance: unknown;
  readonly memo: Memo;
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
  readonly #attributes: ReadonlyMap<string, Readonly<Partial<Record<CrudAction, readonly CompiledExpression[]>>>>;
  readonly #defaults: Readonly<Record<CrudAction, readonly CompiledExpression[]>>;
  readonly #basedOn: { permission: Permission; via: (instance: unknown) => unknown } | null;
  readonly #override: boolean;
  readonly #isSuperuser: (user: unknown) => boolean;

  constructor(definition: PermissionDefinition) {
    if (definition === null || typeof definition !== 'object') throw new ConfigurationError('permission', 'must be an object');
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
    const attributes = new Map<string, Partial<Record<CrudAction, readonly CompiledExpression[]>>>();
    for (const [attribute, perAction] of Object.entries(definition.attributes ?? {})) {
      if (perAction === null || typeof perAction !== 'object') {
        throw new ConfigurationError(`${manager}.attributes.${attribute}`, 'must be an object like { update: [...] }');
      }
      const compiled: Partial<Record<CrudAction, readonly CompiledExpression[]>> = {};
      for (const [action, list] of Object.entries(perAction)) {
        if (!CRUD.includes(action as CrudAction)) {
          throw new ConfigurationError(`${manager}.attributes.${attribute}`, `unknown action ${JSON.stringify(action)}`);
        }
        compiled[action as CrudAction] = compileList(list, local, `${manager}.attributes.${attribute}.${action}`);
      }
      attributes.set(attribute, compiled);
    }
    this.#attributes = attributes;
    const basedOn = definition.basedOn;
    if (basedOn !== undefined) {
      if (!(basedOn?.permission instanceof Permission)) {
        throw new ConfigurationError(`${manager}.basedOn.permission`, 'must be a Permission (from definePermission)');
      }
      const via = basedOn.via;
      if (typeof via !== 'string' && typeof via !== 'function') {
        throw new ConfigurationError(`${manager}.basedOn.via`, 'must be a field name or a function returning the parent object');
      }
      this.#basedOn = {
        permission: basedOn.permission,
        via: typeof via === 'string' ? (instance) => (instance === null || instance === undefined ? undefined : (instance as Record<string, unknown>)[via]) : via,
      };
    } else {
      this.#basedOn = null;
    }
    if (definition.attributeMode !== undefined && definition.attributeMode !== 'additive' && definition.attributeMode !== 'override') {
      throw new ConfigurationError(`${manager}.attributeMode`, 'must be "additive" or "override"');
    }
    this.#override = definition.attributeMode === 'override';
    this.#isSuperuser = definition.isSuperuser ?? defaultIsSuperuser;
  }

  /** Create: one decision per key of `data` (the payload is the instance rules see); empty data → one operation-level decision. */
  checkCreate(data: Record<string, unknown>, options?: CheckOptions): Promise<void> {
    return this.#check('create', () => ({ instance: data, keys: payloadKeys(data, 'checkCreate') }), options);
  }

  /** Read: one decision per attribute asked for; none → one operation-level decision. */
  checkRead(instance: unknown, attributes: readonly string[] = [], options?: CheckOptions): Promise<void> {
    return this.#check('read', () => ({ instance, keys: stringKeys(attributes, 'checkRead') }), options);
  }

  /**
   * Update: one decision per key of `data`. Rules see the instance with the changes applied: an
   * object inheriting from `instance` (its getters and methods keep working) with `data` on top.
   */
  checkUpdate(instance: object, data: Record<string, unknown>, options?: CheckOptions): Promise<void> {
    return this.#check(
      'update',
      () => {
        const keys = payloadKeys(data, 'checkUpdate');
        const base = instance !== null && typeof instance === 'object' ? instance : {};
        // assignOwn, not Object.assign: a JSON body's own `__proto__` key must stay data. Assigned,
        // it would replace `instance` as the prototype, and rules would judge attacker-supplied
        // values for every field the body omits (a permission bypass found by the hostile-input tests).
        return { instance: assignOwn(Object.create(base) as Record<string, unknown>, data), keys };
      },
      options,
    );
  }

  /** Delete: one decision per attribute of the instance (own enumerable, not `_`-prefixed). */
  checkDelete(instance: object, options?: CheckOptions & { attributes?: readonly string[] }): Promise<void> {
    return this.#check(
      'delete',
      () => ({
        instance,
        keys: options?.attributes ? stringKeys(options.attributes, 'checkDelete') : instanceAttributes(instance),
      }),
      options,
    );
  }

  /** The expressions that decide `action` on `attribute` (null: the operation), inherited ones last. */
  describe(action: CrudAction, attribute: string | null = null): string[] {
    return this.#describe(action, attribute, true);
  }

  #check(
    action: CrudAction,
    prepare: () => { instance: unknown; keys: string[] },
    options: CheckOptions | undefined,
  ): Promise<void> {
    try {
      const { instance, keys } = prepare();
      const user = resolveCheckUser(options);
      const evaluation = this.#evaluation(instance, user);
      return decide({
        action,
        manager: this.manager,
        targets: keys.length === 0 ? [null] : keys,
        operationAttribute: null,
        user,
        userExplicit: options !== undefined && options !== null && 'user' in options,
        bypass: this.#isSuperuser(user),
        metadata: options?.metadata,
        evaluate: (target) => this.#allowed(evaluation, action, target),
        describe: (target) => this.#describeFor(evaluation, action, target),
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #evaluation(instance: unknown, user: unknown): Evaluation {
    let parent: Evaluation | null = null;
    if (this.#basedOn !== null) {
      const parentInstance = this.#basedOn.via(instance);
      if (parentInstance !== null && parentInstance !== undefined) {
        parent = this.#basedOn.permission.#evaluation(parentInstance, user);
      }
    }
    return { user, instance, memo: new Map(), parent };
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
    const own = attribute === null ? undefined : this.#attributes.get(attribute)?.[action];
    return { base, own };
  }

  async #allowed(evaluation: Evaluation, action: CrudAction, attribute: string | null): Promise<boolean> {
    if (evaluation.parent !== null && !(await this.#basedOn!.permission.#allowed(evaluation.parent, action, attribute))) {
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
    const local = own === undefined ? sources(base) : this.#override ? sources(own) : [...sources(base), ...sources(own)];
    if (evaluation.parent === null) return local;
    return [...local, ...this.#basedOn!.permission.#describeFor(evaluation.parent, action, attribute)];
  }

  #describe(action: CrudAction, attribute: string | null, withParent: boolean): string[] {
    const { base, own } = this.#localLists(action, attribute, null);
    const local = own === undefined ? sources(base) : this.#override ? sources(own) : [...sources(base), ...sources(own)];
    if (!withParent || this.#basedOn === null) return local;
    return [...local, ...this.#basedOn.permission.#describe(action, attribute, true)];
  }
}

/** Defines a resource's permission model; see PermissionDefinition. */
export function definePermission(definition: PermissionDefinition): Permission {
  return new Permission(definition);
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
