import { ConfigurationError } from '../errors.js';
import { checkRuleName, getPermissionRule, type PermissionRule } from './rules.js';

/**
 * A permission expression as general_manager writes them: rule names joined by `&` (all must
 * hold), each with optional `:`-separated arguments: `"isAdmin"`, `"isSelf:ownerId"`,
 * `"isAuthenticated&matches:status:draft"`. Compiled once, when the permission is defined.
 */
export interface CompiledExpression {
  readonly source: string;
  readonly terms: ReadonlyArray<{ readonly rule: PermissionRule; readonly config: readonly string[] }>;
}

export function compileExpression(
  source: unknown,
  localRules: ReadonlyMap<string, PermissionRule>,
  setting: string,
): CompiledExpression {
  if (typeof source !== 'string' || source.trim().length === 0) {
    throw new ConfigurationError(
      setting,
      `permission expressions must be non-empty strings, got ${JSON.stringify(source) ?? typeof source}`,
    );
  }
  const terms = source.split('&').map((part) => {
    const [name, ...config] = part.trim().split(':');
    try {
      checkRuleName(name);
    } catch {
      throw new ConfigurationError(setting, `${JSON.stringify(source)}: ${JSON.stringify(name)} is not a rule name`);
    }
    // Unknown names fail here, at definition, not as a surprise denial in production.
    const rule = localRules.get(name) ?? getPermissionRule(name);
    if (rule === undefined) {
      throw new ConfigurationError(
        setting,
        `${JSON.stringify(source)} uses the unknown rule ${JSON.stringify(name)}; define it in \`rules\` or registerPermissionRule()`,
      );
    }
    return { rule, config: Object.freeze(config) };
  });
  return Object.freeze({ source, terms: Object.freeze(terms) });
}

export function compileList(
  list: unknown,
  localRules: ReadonlyMap<string, PermissionRule>,
  setting: string,
): readonly CompiledExpression[] {
  if (!Array.isArray(list)) throw new ConfigurationError(setting, 'must be an array of permission expressions');
  return Object.freeze(list.map((source) => compileExpression(source, localRules, setting)));
}

/** Rule results of one check call, so an expression shared by many attributes runs once. */
export type Memo = Map<string, Promise<boolean>>;

/** True when any expression of the list holds; an empty list allows (general_manager's rule). */
export async function anyOf(
  list: readonly CompiledExpression[],
  user: unknown,
  instance: unknown,
  memo: Memo,
): Promise<boolean> {
  if (list.length === 0) return true;
  for (const expression of list) {
    let result = memo.get(expression.source);
    if (result === undefined) {
      result = evaluate(expression, user, instance);
      memo.set(expression.source, result);
    }
    if (await result) return true;
  }
  return false;
}

async function evaluate(expression: CompiledExpression, user: unknown, instance: unknown): Promise<boolean> {
  for (const term of expression.terms) {
    if ((await term.rule(user, instance, term.config)) !== true) return false;
  }
  return true;
}

export function sources(list: readonly CompiledExpression[]): string[] {
  return list.map((e) => e.source);
}
