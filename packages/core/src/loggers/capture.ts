import { configureAuditLogger, getAuditLogger } from '../permission/configure.js';
import type { PermissionAuditEvent } from '../permission/event.js';
import { MemoryAuditLogger } from './memory-audit-logger.js';

/**
 * Runs `fn` with a MemoryAuditLogger installed and resolves to the events it produced; the
 * previous logger is put back afterwards (not closed). If `fn` throws, the promise rejects with
 * that error, which carries the captured events as `auditEvents` so a test can assert both.
 * The logger is process-wide: do not run two captures concurrently.
 */
export async function captureAuditEvents(fn: () => unknown): Promise<PermissionAuditEvent[]> {
  const previous = getAuditLogger();
  const memory = new MemoryAuditLogger();
  await configureAuditLogger(memory, { closePrevious: false });
  try {
    await fn();
  } catch (err) {
    if (err !== null && typeof err === 'object' && Object.isExtensible(err)) {
      Object.defineProperty(err, 'auditEvents', { value: memory.events, enumerable: false, configurable: true });
    }
    throw err;
  } finally {
    await configureAuditLogger(previous, { closePrevious: false });
  }
  return memory.events;
}
