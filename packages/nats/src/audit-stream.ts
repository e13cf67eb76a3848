import { ConfigurationError } from '@audit-events/core';
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** Default stream name. */
export const DEFAULT_STREAM_NAME = 'AUDIT';
/** Default subjects: request events and permission decisions under `audit.` */
export const DEFAULT_STREAM_SUBJECTS: readonly string[] = Object.freeze(['audit.>']);
/** How long JetStream remembers message ids to drop re-published copies: 2 minutes. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/** Messages are kept 7 days by default: ingest is expected to keep up long before that. */
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 3600_000;

export interface AuditStreamOptions {
  /** Default `AUDIT`. */
  name?: string;
  /** Default `['audit.>']` (covers the store's and the logger's default prefixes). */
  subjects?: readonly string[];
  /** 1 (default), 3 or 5: copies kept by a cluster; R3 survives one node. */
  replicas?: number;
  /** How long a message is kept, in ms; default 7 days. 0 keeps it until the limits discard it. */
  maxAge?: number;
  /** In ms; default and minimum 2 minutes, so a save() retried after a timeout is not stored twice. */
  duplicateWindow?: number;
}

/**
 * Creates the stream (file storage, limits retention, old messages discarded first) or updates
 * the settings given on an existing one; returns its info. Safe on every start of every process.
 */
export async function ensureAuditStream(jsm: JetStreamManager, options: AuditStreamOptions = {}): Promise<StreamInfo> {
  const name = options.name ?? DEFAULT_STREAM_NAME;
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new ConfigurationError('name', `stream names are letters, digits, _ and -, got ${JSON.stringify(name)}`);
  const subjects = [...(options.subjects ?? DEFAULT_STREAM_SUBJECTS)];
  if (subjects.length === 0 || subjects.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigurationError('subjects', 'must be a non-empty list of subjects');
  }
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
    throw new ConfigurationError('replicas', 'must be an integer from 1 to 5');
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_MS;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new ConfigurationError('maxAge', 'must be a non-negative integer (ms)');
  const window = options.duplicateWindow ?? DEFAULT_DUPLICATE_WINDOW_MS;
  if (!Number.isInteger(window) || window < DEFAULT_DUPLICATE_WINDOW_MS) {
    throw new ConfigurationError(
      'duplicateWindow',
      `must be at least ${DEFAULT_DUPLICATE_WINDOW_MS} ms, got ${String(window)}`,
    );
  }
  // The duplicate window may not exceed max_age (a server rule); 0 means no age limit.
  const duplicateWindow = maxAge > 0 ? Math.min(window, maxAge) : window;
  const settings: Partial<StreamConfig> = {
    subjects,
    num_replicas: replicas,
    max_age: nanos(maxAge),
    duplicate_window: nanos(duplicateWindow),
  };
  let existing: StreamInfo | null = null;
  try {
    existing = await jsm.streams.info(name);
  } catch (err) {
    if ((err as { name?: string }).name !== 'StreamNotFoundError') throw err;
  }
  if (existing === null) {
    return jsm.streams.add({
      name,
      ...settings,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
    });
  }
  return jsm.streams.update(name, { ...existing.config, ...settings });
}
