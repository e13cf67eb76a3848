import { ConfigurationError } from '../errors.js';
import { registry } from '../registry.js';
import type { EventStore } from './event-store.js';

/** Sets the process-wide store used by contexts that were not given one; null removes it. */
export function configureEventStore(store: EventStore | null): void {
  if (
    store !== null &&
    (typeof store !== 'object' || typeof store.save !== 'function' || typeof store.find !== 'function')
  ) {
    throw new ConfigurationError('store', 'expected an EventStore with save() and find()');
  }
  registry().eventStore = store;
}

export function getEventStore(): EventStore | null {
  return registry().eventStore as EventStore | null;
}
