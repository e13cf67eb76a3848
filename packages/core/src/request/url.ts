/**
 * The absolute URL and path of a request, built from what the framework reports. The Host header
 * (or X-Forwarded-Host under a trusted proxy) is client input: anything that is not a plain
 * host[:port] is replaced by a marker, so a forged header cannot inject text into stored URLs.
 */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

const UPPER = /[A-Z]/;

export const INVALID_HOST = 'invalid-host';

/** `example.com:8080` stays; `evil.com/x`, `a b`, `user@host` and empty become INVALID_HOST. */
export function safeHost(host: unknown): string {
  if (typeof host !== 'string') return INVALID_HOST;
  // The usual case, one plain host: no split (an array), trim or lower-casing copy per event.
  if (host.length <= 260 && host.indexOf(',') === -1 && HOST.test(host))
    return UPPER.test(host) ? host.toLowerCase() : host;
  const first = host.split(',', 1)[0]!.trim();
  return first.length <= 260 && HOST.test(first) ? first.toLowerCase() : INVALID_HOST;
}

/**
 * `protocol://host` + the original request target. An absolute-form target
 * (`GET http://example.com/x`) is used as it is when it is http(s).
 */
export function absoluteUrl(protocol: string, host: unknown, originalUrl: string): string {
  if (!originalUrl.startsWith('/')) {
    if (/^https?:\/\//i.test(originalUrl)) {
      try {
        const url = new URL(originalUrl);
        url.username = '';
        url.password = ''; // credentials in a request target must not end up in the audit trail
        return url.href;
      } catch {
        return `http://${INVALID_HOST}/`;
      }
    }
    originalUrl = '/' + originalUrl;
  }
  const scheme = protocol === 'https' ? 'https' : 'http';
  return `${scheme}://${safeHost(host)}${originalUrl}`;
}

/** The path of a request target, without its query string or fragment. */
export function pathOf(originalUrl: string): string {
  let target = originalUrl;
  if (/^https?:\/\//i.test(target)) {
    try {
      target = new URL(target).pathname;
    } catch {
      target = '/';
    }
  }
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  return path.length > 2048 ? path.slice(0, 2048) : path || '/';
}
