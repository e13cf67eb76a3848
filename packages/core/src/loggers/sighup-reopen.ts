/** Something whose files can be reopened (after logrotate moved them). */
export interface Reopenable {
  reopen(): void;
}

const members = new Set<WeakRef<Reopenable>>();
let installed = false;

function onSighup(): void {
  for (const ref of members) {
    const target = ref.deref();
    if (target === undefined) {
      members.delete(ref);
      continue;
    }
    try {
      target.reopen();
    } catch (err) {
      process.emitWarning(
        `Reopening a permission audit log on SIGHUP failed: ${err instanceof Error ? err.message : String(err)}`,
        {
          code: 'AUDIT_LOGGER_REOPEN_FAILED',
        },
      );
    }
  }
  if (members.size === 0) update();
}

function update(): void {
  if (members.size > 0 && !installed) {
    process.on('SIGHUP', onSighup);
    installed = true;
  } else if (members.size === 0 && installed) {
    process.removeListener('SIGHUP', onSighup);
    installed = false;
  }
}

/**
 * Reopens `target` on SIGHUP, the logrotate convention. One listener serves every file logger;
 * it is removed with the last one, giving SIGHUP its default behaviour back. Returns the
 * function that unsubscribes.
 */
export function reopenOnSighup(target: Reopenable): () => void {
  const ref = new WeakRef(target);
  members.add(ref);
  update();
  return () => {
    if (members.delete(ref)) update();
  };
}
