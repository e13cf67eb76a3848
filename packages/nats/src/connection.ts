import { ConfigurationError } from '@audit-events/core';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Either a connection the caller owns, or server URLs to open one this object owns. */
export interface ConnectionOption {
  /** An open connection; the caller keeps ownership (close() drains only what this object opened). */
  nc?: NatsConnection;
  /** Server URL(s) to connect to, e.g. `nats://127.0.0.1:4222`, when `nc` is not given. */
  servers?: string | string[];
}

export interface OpenedConnection {
  nc: NatsConnection;
  owned: boolean;
}

/**
 * Settings of every connection this package opens. `noAsyncTraces`: the client otherwise builds two
 * Error objects (stack traces captured) for every request — each publish's ack and each ack
 * confirmation — only to improve the stack of an error that rarely comes: a visible share of
 * the CPU per event on the request path. Our errors carry their own context instead.
 */
export const CONNECT_DEFAULTS = { maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true } as const;

/**
 * Opens (or adopts) the connection. Owned connections reconnect forever: an outage makes saves
 * time out (typed errors) rather than closing the connection for good.
 */
export async function openConnection(option: ConnectionOption, name: string): Promise<OpenedConnection> {
  if (option.nc !== undefined) return { nc: option.nc, owned: false };
  if (option.servers === undefined)
    throw new ConfigurationError('servers', 'give either nc (a NATS connection) or servers');
  const nc = await connect({ servers: option.servers, name, ...CONNECT_DEFAULTS });
  return { nc, owned: true };
}
