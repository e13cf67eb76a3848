import { createHash } from 'node:crypto';
import type { AuditEvent, CountReport, TimelineReport } from '@audit-events/core';
import type { ContentTypeEvents } from '@audit-events/knex';
import { CLIENT_SCRIPT } from './client-script.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { STYLES } from './styles.js';
import {
  attributeTable,
  countBars,
  eventsSection,
  managerLabel,
  moreNote,
  time,
  timelineTable,
  total,
  userLabel,
  windowNote,
} from './html-sections.js';
import { barChart, timelineChart } from './svg-charts.js';
import { requestSummaryIsland, requestSummarySection, type RequestSummaryData } from './request-summary-section.js';

/** The permission decisions' reports, shown in the page's first sections. */
export interface DecisionReports {
  timeline: TimelineReport;
  deniedByManager: CountReport;
  deniedByAttribute: CountReport;
  bypassesByUser: CountReport;
}

/** Everything the page shows. */
export interface HtmlReportData {
  generatedAt: string;
  /** Where the decisions came from, already redacted (`permission_audit_log on postgres://u:****@db/app`). */
  source: string;
  /** The decisions' reports, or why there are none (an app that stores request events only). */
  decisions: DecisionReports | { note: string };
  /** Latest request events per content type, or why there are none. */
  events: { table: string; types: ContentTypeEvents[] } | { note: string };
  /** Request events counted per outcome, action, tenant, actor type and content type (over the window). */
  requestSummary: RequestSummaryData;
  /** The tenant the whole report is limited to (--tenant-id), if any. */
  tenantId?: string;
}

/**
 * One self-contained HTML document: inline CSS, inline SVG charts, the data as a JSON island and
 * one inline script. Its Content-Security-Policy allows nothing else (no network, no other
 * script or style, not even images), so even a value that slipped past escaping could neither
 * run nor phone home.
 */
export function renderHtmlReport(data: HtmlReportData): string {
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(CLIENT_SCRIPT)}'`,
    `style-src '${sha256(STYLES)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = 'note' in data.decisions ? 'Audit report' : 'Permission audit report';
  const body = [
    '<header>',
    `<h1>${title}</h1>`,
    ...('note' in data.decisions ? absentDecisionsHeader(data) : decisionsHeader(data, data.decisions)),
    '<p class="status" id="script-check"></p>',
    '</header>',
    ...('note' in data.decisions ? absentDecisionsSection(data.decisions.note) : decisionSections(data.decisions)),
    ...requestSummarySection(data.requestSummary),
    '<section id="request-events">',
    '<h2>Latest request events per content type</h2>',
    eventsSection(data.events),
    '</section>',
    '<footer>Written by audit-events. This file needs no network: charts, data and script are all inside it.</footer>',
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Our own constants and base64 hashes: nothing to escape, and the policy stays readable.
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style>${STYLES}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script type="application/json" id="report-data">${jsonForScript(islandOf(data))}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function decisionsHeader(data: HtmlReportData, d: DecisionReports): string[] {
  const t = d.timeline;
  return [
    `<p class="meta">Source: ${escapeHtml(data.source)}${tenantNote(data)}</p>`,
    `<p class="meta">Decisions ${t.first_at === null ? 'none' : `from ${time(t.first_at)} to ${time(t.last_at)}`}` +
      `${windowNote(t)} · generated ${time(data.generatedAt)} · times in UTC</p>`,
    '<ul class="totals" id="totals">',
    total('decisions', 'Decisions', t.totals.decisions),
    total('granted', 'Granted', t.totals.granted),
    total('denied', 'Denied', t.totals.denied),
    total('bypassed', 'Superuser bypasses', t.totals.bypassed),
    '</ul>',
  ];
}

function absentDecisionsHeader(data: HtmlReportData): string[] {
  return [
    `<p class="meta">Source: ${escapeHtml(data.source)}${tenantNote(data)} · generated ${time(data.generatedAt)} · times in UTC</p>`,
  ];
}

/** ` · tenant X` when the report is limited to one tenant. */
function tenantNote(data: HtmlReportData): string {
  return data.tenantId === undefined ? '' : ` · tenant <b id="tenant-filter">${escapeHtml(data.tenantId)}</b>`;
}

function decisionSections(d: DecisionReports): string[] {
  const t = d.timeline;
  return [
    '<section id="timeline">',
    `<h2>Decisions per ${t.bucket}</h2>`,
    '<div class="legend"><span class="granted">granted</span><span class="bypassed">granted by superuser bypass</span><span class="denied">denied</span></div>',
    timelineChart(t),
    '<p class="status" id="chart-status"></p>',
    timelineTable(t),
    '</section>',
    '<section id="denied-by-manager">',
    '<h2>Denied decisions by manager</h2>',
    barChart('denied-by-manager-chart', countBars(d.deniedByManager, managerLabel), 'denied'),
    moreNote(d.deniedByManager),
    '</section>',
    '<section id="denied-by-attribute">',
    '<h2>Most denied manager attributes</h2>',
    attributeTable(d.deniedByAttribute),
    '</section>',
    '<section id="bypasses-by-user">',
    '<h2>Superuser bypasses by user</h2>',
    barChart('bypasses-by-user-chart', countBars(d.bypassesByUser, userLabel), 'bypassed'),
    moreNote(d.bypassesByUser),
    '</section>',
  ];
}

/** One section saying why the decisions' charts are not there, so nobody reads "0 denied" into it. */
function absentDecisionsSection(note: string): string[] {
  return [
    '<section id="permission-decisions">',
    '<h2>Permission decisions</h2>',
    `<p class="note">${escapeHtml(note)}</p>`,
    '</section>',
  ];
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/** The data behind the page, for anyone who wants the numbers (and for the page's own check). */
function islandOf(data: HtmlReportData): object {
  const events =
    'note' in data.events
      ? { note: data.events.note }
      : {
          table: data.events.table,
          types: data.events.types.map((t) => ({
            contentType: t.contentType,
            total: t.total,
            lastAt: t.lastAt.toISOString(),
            events: t.events.map(eventSummary),
          })),
        };
  // Present decisions keep their top-level keys (timeline, deniedByManager, …); absent ones say why.
  const decisions = 'note' in data.decisions ? { decisions: { note: data.decisions.note } } : data.decisions;
  return {
    generatedAt: data.generatedAt,
    source: data.source,
    ...(data.tenantId === undefined ? {} : { tenantId: data.tenantId }),
    ...decisions,
    events,
    requestSummary: requestSummaryIsland(data.requestSummary),
  };
}

function eventSummary(e: AuditEvent): object {
  return {
    id: e.id,
    createdAt: e.createdAt.toISOString(),
    objectId: e.objectId,
    userId: e.userId,
    userRepr: e.userRepr,
    method: e.method,
    url: e.url,
    requestId: e.requestId,
    content: e.content,
  };
}
