import type { Socket } from 'node:net';

/** Sockets whose peer address Node already holds: a keep-alive connection's later requests skip the read. */
const remembered = new WeakSet<Socket>();

/**
 * Makes the socket remember its peer's address now. Node reads it from the operating system on
 * first use and keeps it on the socket, so `socket.remoteAddress` still answers once the client
 * has hung up: a client that disconnects right after sending a request cannot leave its events
 * without an address. One read per connection, not per request (the read costs about as much as
 * the rest of the middleware on Node 20).
 */
export function rememberPeerAddress(socket: Socket | null | undefined): void {
  if (socket === null || socket === undefined || remembered.has(socket)) return;
  // Not remembered when the read failed (no address yet): the next request tries again.
  if (socket.remoteAddress !== undefined) remembered.add(socket);
}
