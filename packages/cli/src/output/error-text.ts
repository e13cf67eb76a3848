/** The first non-blank line of an error's message: drivers append stacks and SQL on later lines. */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

/**
 * A file-system error's code and reason without the path Node repeats (`ENOENT: no such file or
 * directory`), for a message that already names the path.
 */
export function systemReason(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return fallback;
  const reason = firstLine(err).split(', ')[0] ?? '';
  return reason.startsWith(`${code}: `) ? reason : code;
}
