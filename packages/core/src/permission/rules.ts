import { ConfigurationError } from '../errors.js';
import { normalizeUser } from '../events/user.js';

/**
 * A named permission predicate over (user, instance). `config` holds the `:`-separated arguments
 * of the expression (`"isSelf:ownerId"` → `["ownerId"]`). May be async (database lookups).
 * `user` is what the check was given: the app's user object, or the audit context's `{ id, repr }`.
 */
export type PermissionRule = (
  user: unknown,
  instance: unknown,
  config: readonly string[],
) => boolean | Promise<boolean>;

const RULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function prop(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function idOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return normalizeUser(value)?.id ?? null;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : null;
}

/** Anyone, signed in or not. */
export const isPublic: PermissionRule = () => true;

/** A known user: not null/anonymous, and not flagged `isAuthenticated: false` / `is_authenticated: false`. */
export const isAuthenticated: PermissionRule = (user) =>
  normalizeUser(user) !== null && prop(user, 'isAuthenticated') !== false && prop(user, 'is_authenticated') !== false;

/**
 * Staff/admin users: `isAdmin`, `is_admin`, `isStaff`, `is_staff`, `isSuperuser` or `is_superuser`
 * is true, or `roles` contains `"admin"`, or `role` is `"admin"`. Needs the app's user object:
 * the audit context's `{ id, repr }` carries no roles.
 */
export const isAdmin: PermissionRule = (user) => {
  for (const key of ['isAdmin', 'is_admin', 'isStaff', 'is_staff', 'isSuperuser', 'is_superuser']) {
    if (prop(user, key) === true) return true;
  }
  const roles = prop(user, 'roles');
  return (Array.isArray(roles) && roles.includes('admin')) || prop(user, 'role') === 'admin';
};

/**
 * The instance belongs to the user (general_manager's isSelf: `instance.creator` is the user).
 * Compares ids: `isSelf` reads `creatorId`, `creator_id` or `creator`; `isSelf:ownerId` reads the
 * named field. A field holding an object is compared by that object's id.
 */
export const isSelf: PermissionRule = (user, instance, config) => {
  const userId = normalizeUser(user)?.id ?? null;
  if (userId === null) return false;
  const fields = config.length > 0 && config[0] ? [config[0]] : ['creatorId', 'creator_id', 'creator'];
  for (const field of fields) {
    const owner = prop(instance, field);
    if (owner !== undefined && owner !== null) return idOf(owner) === userId;
  }
  return false;
};

/** `matches:field:value`: the instance's field, as a string, equals value. */
export const matches: PermissionRule = (_user, instance, config) =>
  config.length >= 2 && String(prop(instance, config[0]!)) === config[1];

/** `hasRole:name`: `user.roles` contains name, or `user.role` is name. */
export const hasRole: PermissionRule = (user, _instance, config) => {
  const role = config[0];
  if (role === undefined) return false;
  const roles = prop(user, 'roles');
  return (Array.isArray(roles) && roles.includes(role)) || prop(user, 'role') === role;
};

const registry = new Map<string, PermissionRule>([
  ['public', isPublic],
  ['isAuthenticated', isAuthenticated],
  ['isAdmin', isAdmin],
  ['isSelf', isSelf],
  ['matches', matches],
  ['hasRole', hasRole],
]);

/** Makes `name` usable in every permission's expressions. Names are unique: re-registering is an error. */
export function registerPermissionRule(name: string, rule: PermissionRule): void {
  checkRuleName(name);
  if (typeof rule !== 'function')
    throw new ConfigurationError(`rules.${name}`, 'must be a function (user, instance, config) => boolean');
  if (registry.has(name))
    throw new ConfigurationError(`rules.${name}`, 'a permission rule with this name is already registered');
  registry.set(name, rule);
}

/** The globally registered rule called `name`, if any. */
export function getPermissionRule(name: string): PermissionRule | undefined {
  return registry.get(name);
}

export function checkRuleName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !RULE_NAME.test(name)) {
    throw new ConfigurationError('rules', `${JSON.stringify(name)} is not a valid rule name (letters, digits, _)`);
  }
}
