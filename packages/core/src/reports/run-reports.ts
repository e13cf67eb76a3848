import type { ReportDefinition } from './report-definition.js';
import { tallyEvents, type EventSource } from './tally-events.js';

/** The result type of each definition in a tuple of definitions. */
export type ReportResults<T extends readonly ReportDefinition<unknown>[]> = {
  -readonly [K in keyof T]: T[K] extends ReportDefinition<infer R> ? R : never;
};

export interface RunReportsResult<T extends readonly ReportDefinition<unknown>[]> {
  results: ReportResults<T>;
  /** Records that were not permission events (skipped). */
  invalid: number;
}

/**
 * Runs several reports in ONE pass over serialised permission events (an array, a generator, a
 * PermissionLogReader): a log file is read once however many reports it feeds.
 */
export async function runReports<const T extends readonly ReportDefinition<unknown>[]>(
  definitions: T,
  events: EventSource,
): Promise<RunReportsResult<T>> {
  const { tallies, invalid } = await tallyEvents(
    events,
    definitions.map((d) => d.query),
  );
  const results = definitions.map((d, i) => d.finish(tallies[i] ?? [])) as ReportResults<T>;
  return { results, invalid };
}

/**
 * Runs one report over serialised permission events, e.g. `runReport(defineDeniedReport(),
 * readPermissionLog(path))`.
 */
export async function runReport<R>(definition: ReportDefinition<R>, events: EventSource): Promise<R> {
  const { tallies } = await tallyEvents(events, [definition.query]);
  return definition.finish(tallies[0] ?? []);
}
