import type { CountReport, GroupRow, TimelineReport } from '@audit-events/core';
import type { HtmlReportData } from './html-page.js';
import { count } from '../../output/plural.js';
import { escapeHtml } from './escape.js';
import type { BarItem } from './svg-charts.js';

/** The page's parts other than the charts; every value from the log goes through escapeHtml. */

/** Rows shown per ranking (bars, tables); the JSON island keeps them all. */
export const MAX_RANKED_ROWS = 25;
/** Characters of an event's content shown in the events table. */
const CONTENT_CHARS = 160;

/** A `<time>` element: ISO in `datetime` (the script adds local time on hover), UTC text shown. */
export function time(iso: string | null): string {
  if (iso === null) return '-';
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(
    iso
      .replace('T', ' ')
      .replace(/\.\d+Z$/, '')
      .replace(/Z$/, ''),
  )}</time>`;
}

/** ` (window: … – …)` when --since/--until narrowed the report. */
export function windowNote(t: TimelineReport): string {
  if (t.since === null && t.until === null) return '';
  return ` (window: ${t.since === null ? 'start' : time(t.since)} – ${t.until === null ? 'now' : time(t.until)})`;
}

/** One of the totals boxes, with its number in data-count. */
export function total(cls: string, label: string, value: number): string {
  return `<li class="${cls}" data-total="${cls}" data-count="${value}"><b>${value}</b>${escapeHtml(label)}</li>`;
}

/** Bar labels: decisions without a manager, and anonymous users, still get a readable label. */
export function managerLabel(row: GroupRow): string {
  return row.manager ?? '(no manager)';
}

export function userLabel(row: GroupRow): string {
  if (row.user_repr === null && row.user_id === null) return '(anonymous)';
  if (row.user_id === null || row.user_id === undefined) return row.user_repr ?? '(anonymous)';
  return row.user_repr === null || row.user_repr === undefined
    ? `id ${row.user_id}`
    : `${row.user_repr} (id ${row.user_id})`;
}

/** The first MAX_RANKED_ROWS rows of a count report as bars. */
export function countBars(report: CountReport, label: (row: GroupRow) => string): BarItem[] {
  return report.rows.slice(0, MAX_RANKED_ROWS).map((row) => ({
    label: label(row),
    count: row.count,
    detail: `last ${row.last_at.replace('T', ' ').replace(/\.\d+Z$/, '')}`,
  }));
}

/** Says how many rows the page leaves out (the island has them all). */
export function moreNote(report: CountReport): string {
  const hidden = report.rows.length - MAX_RANKED_ROWS;
  return hidden > 0 ? `<p class="note">…and ${hidden} more (all in the embedded data).</p>` : '';
}

/** The timeline's numbers as a table, folded away under the chart. */
export function timelineTable(t: TimelineReport): string {
  if (t.rows.length === 0) return '';
  const rows = t.rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.bucket)}</td><td class="num">${r.granted}</td><td class="num">${r.bypassed}</td><td class="num">${r.denied}</td></tr>`,
    )
    .join('');
  return (
    `<details><summary>Data (${count(t.rows.length, t.bucket)})</summary>` +
    `<table class="sortable" id="timeline-table"><thead><tr><th>${t.bucket}</th><th class="num">granted</th><th class="num">bypasses</th><th class="num">denied</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></details>`
  );
}

/** Denied decisions per manager attribute, with the numbers in data-* attributes. */
export function attributeTable(report: CountReport): string {
  if (report.rows.length === 0) return '<p class="empty">No denied decisions in this window.</p>';
  const rows = report.rows
    .slice(0, MAX_RANKED_ROWS)
    .map(
      (r) =>
        `<tr data-manager="${escapeHtml(r.manager ?? '')}" data-attribute="${escapeHtml(r.attribute ?? '')}" data-count="${r.count}">` +
        `<td>${escapeHtml(r.manager ?? '(no manager)')}</td><td>${escapeHtml(r.attribute ?? '(whole operation)')}</td>` +
        `<td class="num">${r.count}</td><td data-sort="${escapeHtml(r.last_at)}">${time(r.last_at)}</td></tr>`,
    )
    .join('');
  return (
    '<table class="sortable" id="denied-by-attribute-table"><thead><tr><th>manager</th><th>attribute</th><th class="num">denied</th><th>last</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>${moreNote(report)}`
  );
}

/** Per content type: a heading with its event count, and its latest events. */
export function eventsSection(events: HtmlReportData['events']): string {
  if ('note' in events) return `<p class="note">${escapeHtml(events.note)}</p>`;
  if (events.types.length === 0) return `<p class="empty">${escapeHtml(events.table)} holds no events.</p>`;
  return events.types
    .map((type) => {
      const rows = type.events
        .map(
          (e) =>
            `<tr data-event-id="${escapeHtml(e.id)}"><td data-sort="${escapeHtml(e.createdAt.toISOString())}">${time(e.createdAt.toISOString())}</td>` +
            `<td>${escapeHtml(e.objectId)}</td><td>${escapeHtml(e.userRepr ?? e.userId ?? '(anonymous)')}</td>` +
            `<td>${escapeHtml(e.method ?? '')}</td><td>${escapeHtml(e.url ?? '')}</td><td>${escapeHtml(e.requestId ?? '')}</td>` +
            `<td><code>${escapeHtml(shorten(JSON.stringify(e.content)))}</code></td></tr>`,
        )
        .join('');
      return (
        `<h3 data-content-type="${escapeHtml(type.contentType)}" data-count="${type.total}">${escapeHtml(type.contentType)} ` +
        `<span class="meta">(${type.total} events, latest ${time(type.lastAt.toISOString())})</span></h3>` +
        '<table class="sortable events"><thead><tr><th>time</th><th>object</th><th>user</th><th>method</th><th>url</th><th>request id</th><th>content</th></tr></thead>' +
        `<tbody>${rows}</tbody></table>`
      );
    })
    .join('\n');
}

function shorten(text: string | undefined): string {
  const value = text ?? '';
  return value.length > CONTENT_CHARS ? `${value.slice(0, CONTENT_CHARS - 1)}…` : value;
}
