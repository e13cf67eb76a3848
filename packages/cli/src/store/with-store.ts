import type { CommandContext } from '../command-context.js';
import type { DatabaseOptionValues } from '../config/database-options.js';
import { databaseFlags } from '../config/database-options.js';
import { resolveSettings } from '../config/config.js';
import type { ResolvedSettings } from '../config/config.js';
import { openStore } from './open-store.js';
import type { OpenedStore } from './open-store.js';

/**
 * Resolves the database from flags, environment and config file, opens the store, runs `body`,
 * and always closes the store again. Passwords are registered for redaction before anything can
 * print them.
 */
export async function withStore<T>(
  values: DatabaseOptionValues,
  ctx: CommandContext,
  body: (opened: OpenedStore, settings: ResolvedSettings) => Promise<T>,
): Promise<T> {
  const flags = databaseFlags(values);
  const settings = await resolveSettings(flags, ctx.io.env, ctx.io.cwd);
  for (const secret of settings.target.secrets) ctx.redactor.add(secret);
  const opened = await openStore(settings, flags.connectTimeoutMs, (line) => ctx.err(`warning: ${line}`));
  try {
    return await body(opened, settings);
  } finally {
    await opened.close();
  }
}
