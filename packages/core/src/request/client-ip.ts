import { isIP } from 'node:net';

/**
 * Normalises a client address: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) becomes plain IPv4, and
 * anything that is not an IP address (a resolver returning a header verbatim) becomes null, so a
 * spoofed value can never be stored as an address.
 */
export function normalizeIp(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return null;
  let ip = value.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
  return isIP(ip) === 0 ? null : ip;
}
