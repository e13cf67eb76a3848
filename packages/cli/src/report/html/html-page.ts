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

/** Everything the page shows. */
export interface HtmlReportData {
  generatedAt: string;
  /** Where the decisions came from, already redacted (`permission_audit_log on postgres://u:****@db/app`). */
  source: string;
  timeline: TimelineReport;
  deniedByManager: CountReport;
  deniedByAttribute: CountReport;
  bypassesByUser: CountReport;
  /** Latest request events per content type, or why there are none. */
  events: { table: string; types: ContentTypeEvents[] } | { note: string };
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
  const t = data.timeline;
  const body = [
    '<header>',
    '<h1>Permission audit report</h1>',
    `<p class="meta">Source: ${escapeHtml(data.source)}</p>`,
    `<p class="meta">Decisions ${t.first_at === null ? 'none' : `from ${time(t.first_at)} to ${time(t.last_at)}`}` +
      `${windowNote(t)} · generated ${time(data.generatedAt)} · times in UTC</p>`,
    '<ul class="totals" id="totals">',
    total('decisions', 'Decisions', t.totals.decisions),
    total('granted', 'Granted', t.totals.granted),
    total('denied', 'Denied', t.totals.denied),
    total('bypassed', 'Superuser bypasses', t.totals.bypassed),
    '</ul>',
    '<p class="status" id="script-check"></p>',
    '</header>',
    '<section id="timeline">',
    `<h2>Decisions per ${t.bucket}</h2>`,
    '<div class="legend"><span class="granted">granted</span><span class="bypassed">granted by superuser bypass</span><span class="denied">denied</span></div>',
    timelineChart(t),
    '<p class="status" id="chart-status"></p>',
    timelineTable(t),
    '</section>',
    '<section id="denied-by-manager">',
    '<h2>Denied decisions by manager</h2>',
    barChart('denied-by-manager-chart', countBars(data.deniedByManager, managerLabel), 'denied'),
    moreNote(data.deniedByManager),
    '</section>',
    '<section id="denied-by-attribute">',
    '<h2>Most denied manager attributes</h2>',
    attributeTable(data.deniedByAttribute),
    '</section>',
    '<section id="bypasses-by-user">',
    '<h2>Superuser bypasses by user</h2>',
    barChart('bypasses-by-user-chart', countBars(data.bypassesByUser, userLabel), 'bypassed'),
    moreNote(data.bypassesByUser),
    '</section>',
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
    '<title>Permission audit report</title>',
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
  return {
    generatedAt: data.generatedAt,
    source: data.source,
    timeline: data.timeline,
    deniedByManager: data.deniedByManager,
    deniedByAttribute: data.deniedByAttribute,
    bypassesByUser: data.bypassesByUser,
    events,
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

