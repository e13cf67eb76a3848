import type { IncomingMessage } from 'node:http';
import { bindEmitter } from '../context/current.js';

/**
 * Keeps a body parser's continuation in the request's context: its 'data'/'end' listeners fire
 * from the socket, so a parser that calls next() from 'end' would run the rest of the chain
 * outside the request. Only requests that carry a body are bound; a GET pays nothing. `headers`
 * saves a second read of req.headers when the caller already has them.
 */
export function bindRequestBody(req: IncomingMessage, headers: IncomingMessage['headers'] = req.headers): void {
  const length = headers['content-length'];
  if (headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) bindEmitter(req);
}
