// What the hostile-input tests share: the planted-secret marker, the capture settings of a
// demanding app (everything captured), raw-socket requests for bytes no HTTP client would send,
// and snapshots of the global prototypes.
import net from 'node:net';

/** Every planted secret starts with this; finding it anywhere in storage is a leak. */
export const MARK = 'ZQXS';

/** The request id the middleware keeps (anything else is replaced by a generated UUID). */
export const WELL_FORMED_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sensitive names as clients spell them; the tests mix their case too. */
export const SENSITIVE_KEYS = [
  'password',
  'passwd',
  'new_password',
  'passwordConfirm',
  'token',
  'access_token',
  'refreshToken',
  'csrf-token',
  'secret',
  'client_secret',
  'authorization',
  'cookie',
  'session_id',
  'api_key',
  'apiKey',
  'API-Key',
  'x-api-key',
  'credit_card',
  'creditCard',
  'credit_card_number',
  'card_number',
  'cardNumber',
  'cc_number',
  'cvv',
  'CVV',
  'cvc',
  'pin',
  'ssn',
  'private_key',
  'otp',
];

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/** auditContext() options capturing everything a demanding app captures. */
export const CAPTURE_ALL = {
  includePostData: true,
  includeQueryParams: true,
  includeHeaders: ['authorization', 'cookie', 'x-api-key', 'x-auth-token', 'x-team', 'user-agent', 'x-forwarded-for'],
};

/** Permission metadata carrying the request input, as apps do to explain a decision. */
export const metadataWithInput = (body, query) => ({ query, input: body });

/**
 * Sends raw bytes and returns the raw answer (latin1), for requests no well-behaved client can
 * make: invalid UTF-8, CR/LF inside header values, fragments in the request target.
 */
export function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = {};
      for (const line of headerLines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      let json = null;
      try {
        json = JSON.parse(rest.join('\r\n\r\n'));
      } catch {
        // not JSON
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, text, json });
    });
  });
}

/** A request head for rawRequest; `Connection: close` so the answer ends with the socket. */
export function rawHead(method, target, headers = {}, bodyLength = 0) {
  let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (bodyLength > 0) head += `Content-Length: ${bodyLength}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** Own property names (and symbols) of the global prototypes, to prove none was polluted. */
export function prototypeSnapshot() {
  const of = (proto) =>
    [...Object.getOwnPropertyNames(proto), ...Object.getOwnPropertySymbols(proto).map(String)].sort();
  return {
    Object: of(Object.prototype),
    Array: of(Array.prototype),
    Function: of(Function.prototype),
    String: of(String.prototype),
  };
}
