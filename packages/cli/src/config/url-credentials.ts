import { MASKED } from '../output/redact.js';

/**
 * A network database URL cut at its LAST `@`: a password may hold raw `/ @ : % # ?`, which no
 * URL parser reads as the user meant, so the credentials are taken off before parsing and the
 * rest (host, port, path, query) holds nothing secret.
 */
export interface SplitUrl {
  scheme: string;
  /** Raw (still %-encoded) user name and password; undefined when the URL has none. */
  user?: string;
  password?: string;
  /** `scheme://host:port/path?query`, without credentials: safe to parse and to print. */
  withoutCredentials: string;
  /** `scheme://****@host:port` or `scheme://host:port` (`…` for a host that does not look like one). */
  label: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
// A host (name, IPv4, bracketed IPv6 or %-encoded socket path) and an optional numeric port.
const HOST_PORT = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._~%-]+)(?::\d{1,5})?$/i;

/** Undefined when `text` does not start with `scheme://`. */
export function splitUrl(text: string): SplitUrl | undefined {
  const scheme = SCHEME.exec(text);
  if (!scheme?.[1]) return undefined;
  const afterScheme = text.slice(scheme[0].length);
  const at = afterScheme.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : afterScheme.slice(0, at);
  const rest = at === -1 ? afterScheme : afterScheme.slice(at + 1);
  const hostPort = rest.split(/[/?#]/, 1)[0] ?? '';
  const shownHost = HOST_PORT.test(hostPort) ? hostPort : '…';
  const split: SplitUrl = {
    scheme: scheme[1].toLowerCase(),
    withoutCredentials: `${scheme[0]}${rest}`,
    label: `${scheme[0]}${userinfo === undefined ? '' : `${MASKED}@`}${shownHost}`,
  };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    split.user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    if (colon !== -1) split.password = userinfo.slice(colon + 1);
  }
  return split;
}

/**
 * Percent-decodes `value`: valid escapes are decoded, a `%` that starts none is kept as typed
 * (`50%off`); undefined when the escapes are not valid UTF-8.
 */
export function decodeLenient(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/%(?![0-9a-f]{2})/gi, '%25'));
  } catch {
    return undefined;
  }
}

/** A connection string for messages: scheme, host and database, the password masked. */
export function describeUrl(text: string): string {
  const split = splitUrl(text.trim());
  if (split === undefined) return '(a connection string that is not a URL)';
  try {
    const path = new URL(split.withoutCredentials).pathname;
    return path === '' || path === '/' ? split.label : `${split.label}${path}`;
  } catch {
    return split.label;
  }
}

/** The password of a connection string, as typed and as decoded (empty when it has none). */
export function passwordOfUrl(text: string): string[] {
  const raw = splitUrl(text.trim())?.password;
  if (raw === undefined || raw === '') return [];
  const decoded = decodeLenient(raw);
  return decoded === undefined || decoded === raw ? [raw] : [raw, decoded];
}

/**
 * The connection string with its credentials percent-encoded, so a driver's own URL parser cuts
 * it where splitUrl does (at the last `@`) instead of reading part of the password as the host.
 */
export function encodeCredentials(text: string): string {
  const split = splitUrl(text.trim());
  if (split?.user === undefined) return text;
  const user = decodeLenient(split.user);
  const password = split.password === undefined ? '' : decodeLenient(split.password);
  // Escapes that are not UTF-8: leave the string to the driver, which refuses it.
  if (user === undefined || password === undefined) return text;
  const scheme = split.withoutCredentials.slice(0, split.withoutCredentials.indexOf('//') + 2);
  const credentials = `${encodeURIComponent(user)}${split.password === undefined ? '' : `:${encodeURIComponent(password)}`}`;
  return `${scheme}${credentials}@${split.withoutCredentials.slice(scheme.length)}`;
}
