/** The first non-blank line of an error's message: drivers append stacks and SQL on later lines. */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}
