import { ConfigurationError } from '../errors.js';

/**
 * The deployment a permission decision was made by (a release tag, a git sha, `blue`/`green`):
 * stamped into every event's metadata under DEPLOYMENT_METADATA_KEY, so a regression report can
 * compare the denied rates of two deployments (`audit-events report regressions`).
 */

/** Environment variable read when no deployment is configured in code. */
export const DEPLOYMENT_ENV = 'AUDIT_EVENTS_DEPLOYMENT';
/** Metadata key the deployment is stamped under; a key the caller sets explicitly wins. */
export const DEPLOYMENT_METADATA_KEY = 'deployment';
/** Longest deployment name accepted: it is a label, not a payload. */
export const MAX_DEPLOYMENT_LENGTH = 255;

interface DeploymentState {
  /** undefined: not configured in code, read the environment. null: configured off. */
  configured: string | null | undefined;
  /** The environment's value, read once (a process.env read is a C++ call on every emit otherwise). */
  fromEnv: string | null | undefined;
}

// On globalThis, like the configured logger (see registry.ts): two copies of this package stamp
// the same deployment.
const KEY = Symbol.for('@audit-events/core.deployment');
const STATE: DeploymentState = ((globalThis as Record<symbol, unknown>)[KEY] ??= {
  configured: undefined,
  fromEnv: undefined,
}) as DeploymentState;

/**
 * Sets the deployment stamped into permission events. A string sets it; `null` turns stamping
 * off even when AUDIT_EVENTS_DEPLOYMENT is set; `undefined` goes back to the environment
 * variable (read again on the next event). Throws ConfigurationError for an empty or overlong
 * name, or a value that is not a string.
 */
export function configureDeployment(name: string | null | undefined): void {
  if (name === undefined) {
    STATE.configured = undefined;
    STATE.fromEnv = undefined;
    return;
  }
  if (name === null) {
    STATE.configured = null;
    return;
  }
  STATE.configured = checkName(name, 'deployment');
}

/** The deployment events are stamped with now: the configured one, else the environment's, else null. */
export function currentDeployment(): string | null {
  const configured = STATE.configured;
  if (configured !== undefined) return configured;
  let fromEnv = STATE.fromEnv;
  if (fromEnv === undefined) {
    fromEnv = readEnv();
    STATE.fromEnv = fromEnv;
  }
  return fromEnv;
}

/** `{ deployment: name }` to merge into metadata, or null when no deployment is set. */
export function deploymentMetadata(): { deployment: string } | null {
  const name = currentDeployment();
  return name === null ? null : { [DEPLOYMENT_METADATA_KEY]: name };
}

function readEnv(): string | null {
  const raw = process.env[DEPLOYMENT_ENV];
  if (raw === undefined || raw.trim() === '') return null;
  try {
    return checkName(raw.trim(), DEPLOYMENT_ENV);
  } catch (err) {
    // A bad environment value must not break every permission check of the app: warn, stamp nothing.
    process.emitWarning(err instanceof Error ? err.message : String(err), { code: 'AUDIT_BAD_CONFIG' });
    return null;
  }
}

function checkName(name: unknown, setting: string): string {
  if (typeof name !== 'string') {
    throw new ConfigurationError(setting, `must be a string, null or undefined, got ${typeof name}`);
  }
  if (name.trim() === '') throw new ConfigurationError(setting, 'must not be empty');
  if (name.length > MAX_DEPLOYMENT_LENGTH) {
    throw new ConfigurationError(setting, `must be at most ${MAX_DEPLOYMENT_LENGTH} characters, got ${name.length}`);
  }
  return name;
}
