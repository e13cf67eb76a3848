import type { AuditEvent } from '@audit-events/core';
import type { EventCount, RequestEventSummary } from '@audit-events/knex';
import { escapeHtml } from './escape.js';
import { time } from './html-sections.js';

/** The request-events summary, or why there is none (no events table). */
export type RequestSummaryData = (RequestEventSummary & { table: string }) | { note: string };

const DIMENSIONS: ReadonlyArray<
  readonly [key: keyof RequestEventSummary & `by${string}`, title: string, none: string]
> = [
  ['byOutcome', 'outcome', '(none)'],
  ['byAction', 'action', '(no action)'],
  ['byTenant', 'tenant', '(no tenant)'],
  ['byActorType', 'actor type', '(none)'],
  ['byContentType', 'content type', '(none)'],
];

/**
 * Counts of the request events over the report's window per outcome, action, tenant, actor type
 * and content type, then the latest denied and failed events. Needs no permission table. Every
 * value from the database goes through escapeHtml.
 */
export function requestSummarySection(summary: RequestSummaryData): string[] {
  const out = ['<section id="request-summary">', '<h2>Request events</h2>'];
  if ('note' in summary) return [...out, `<p class="note">${escapeHtml(summary.note)}</p>`, '</section>'];
  const unsuccessful = summary.unsuccessfulTotal;
  out.push(
    '<ul class="totals" id="request-totals">',
    requestTotal('events', 'Request events', summary.total),
    requestTotal('denied', 'Denied or failed', unsuccessful),
    '</ul>',
  );
  if (summary.total === 0)
    return [...out, `<p class="empty">${escapeHtml(summary.table)} holds no events in this window.</p>`, '</section>'];
  out.push('<div class="groups">');
  for (const [key, title, none] of DIMENSIONS) out.push(countTable(key, title, none, summary[key]));
  out.push('</div>', '<h3>Denied and failed request events</h3>');
  out.push(unsuccessfulTable(summary.unsuccessful, unsuccessful), '</section>');
  return out;
}

/** A totals box of this section (its own data attribute: the decisions' totals are checked apart). */
function requestTotal(cls: string, label: string, value: number): string {
  return `<li class="${cls}" data-request-total="${cls}" data-count="${value}"><b>${value}</b>${escapeHtml(label)}</li>`;
}

function countTable(key: string, title: string, none: string, rows: readonly EventCount[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr data-value="${escapeHtml(r.value ?? '')}" data-count="${r.count}"><td>${escapeHtml(r.value ?? none)}</td><td class="num">${r.count}</td></tr>`,
    )
    .join('');
  return (
    `<table class="sortable counts" id="request-${key}" data-dimension="${key}"><thead><tr><th>${escapeHtml(title)}</th><th class="num">events</th></tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}

/** Fields added by the audit model, read loosely: older stores' events do not carry them. */
function field(event: AuditEvent, name: string): string {
  const value = (event as unknown as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

function unsuccessfulTable(events: readonly AuditEvent[], all: number): string {
  if (all === 0) return '<p class="empty">None in this window.</p>';
  const rows = events
    .map(
      (e) =>
        `<tr data-event-id="${escapeHtml(e.id)}" data-outcome="${escapeHtml(field(e, 'outcome'))}">` +
        `<td data-sort="${escapeHtml(e.createdAt.toISOString())}">${time(e.createdAt.toISOString())}</td>` +
        `<td>${escapeHtml(field(e, 'outcome'))}</td><td>${escapeHtml(field(e, 'action'))}</td><td>${escapeHtml(field(e, 'tenantId'))}</td>` +
        `<td>${escapeHtml(field(e, 'actorType'))}</td><td>${escapeHtml(e.userRepr ?? e.userId ?? '(anonymous)')}</td>` +
        `<td>${escapeHtml(e.contentType)} ${escapeHtml(e.objectId)}</td><td>${escapeHtml(field(e, 'reason'))}</td></tr>`,
    )
    .join('');
  const more =
    all > events.length
      ? `<p class="note">…and ${all - events.length} older ones (export them with audit-events export --outcome denied).</p>`
      : '';
  return (
    '<table class="sortable events" id="request-unsuccessful"><thead><tr><th>time</th><th>outcome</th><th>action</th><th>tenant</th>' +
    '<th>actor</th><th>user</th><th>object</th><th>reason</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>${more}`
  );
}

/** The summary in the page's JSON island. */
export function requestSummaryIsland(summary: RequestSummaryData): object {
  if ('note' in summary) return { note: summary.note };
  const { unsuccessful, ...counts } = summary;
  return {
    ...counts,
    unsuccessful: unsuccessful.map((e) => ({
      id: e.id,
      createdAt: e.createdAt.toISOString(),
      outcome: field(e, 'outcome') || null,
      action: field(e, 'action') || null,
      tenantId: field(e, 'tenantId') || null,
      actorType: field(e, 'actorType') || null,
      contentType: e.contentType,
      objectId: e.objectId,
      userId: e.userId,
      userRepr: e.userRepr,
      reason: field(e, 'reason') || null,
    })),
  };
}
