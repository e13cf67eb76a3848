import type { TimelineReport } from '@audit-events/core';
import { escapeHtml } from './escape.js';

/**
 * Charts drawn on the server as inline SVG: they show without JavaScript, print, and carry their
 * numbers in data-* attributes (what the tests and the page's own check read). Colours come from
 * classes in the page's stylesheet; no style attributes (the page's CSP allows no inline styles).
 */

/** The smallest 1, 2 or 5 × 10^k at or above `max` (at least 1): a round top for an axis. */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10);

/** Granted (bypasses shaded apart) and denied decisions per bucket, stacked. */
export function timelineChart(timeline: TimelineReport): string {
  const rows = timeline.rows;
  if (rows.length === 0) return '<p class="empty">No decisions in this window.</p>';
  const width = 960;
  const height = 280;
  const left = 56;
  const right = 16;
  const top = 16;
  const bottom = 48;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const axisMax = niceMax(Math.max(...rows.map((r) => r.granted + r.denied)));
  const slot = plotW / rows.length;
  const barW = Math.max(1, slot * 0.8);
  const y = (n: number): number => (n / axisMax) * plotH;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = (axisMax / 4) * i;
    const yy = top + plotH - y(value);
    parts.push(
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${fmt(yy)}" y2="${fmt(yy)}"/>`,
      `<text class="axis" x="${left - 6}" y="${fmt(yy + 4)}" text-anchor="end">${escapeHtml(fmt(value))}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(rows.length / 12));
  rows.forEach((r, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const plain = r.granted - r.bypassed;
    const base = top + plotH;
    const hDenied = y(r.denied);
    const hBypassed = y(r.bypassed);
    const hPlain = y(plain);
    const tip = `${r.bucket}: ${r.granted} granted (${r.bypassed} bypasses), ${r.denied} denied`;
    parts.push(
      `<g class="bucket" data-bucket="${escapeHtml(r.bucket)}" data-granted="${r.granted}" data-denied="${r.denied}" data-bypassed="${r.bypassed}" data-tip="${escapeHtml(tip)}">`,
      `<title>${escapeHtml(tip)}</title>`,
      `<rect class="granted" x="${fmt(x)}" y="${fmt(base - hPlain)}" width="${fmt(barW)}" height="${fmt(hPlain)}"/>`,
      `<rect class="bypassed" x="${fmt(x)}" y="${fmt(base - hPlain - hBypassed)}" width="${fmt(barW)}" height="${fmt(hBypassed)}"/>`,
      `<rect class="denied" x="${fmt(x)}" y="${fmt(base - hPlain - hBypassed - hDenied)}" width="${fmt(barW)}" height="${fmt(hDenied)}"/>`,
      '</g>',
    );
    if (i % every === 0) {
      const label = timeline.bucket === 'day' ? r.bucket.slice(5) : `${r.bucket.slice(5, 10)} ${r.bucket.slice(11)}h`;
      parts.push(
        `<text class="axis" x="${fmt(x + barW / 2)}" y="${height - bottom + 16}" text-anchor="middle">${escapeHtml(label)}</text>`,
      );
    }
  });
  parts.push(`<line class="baseline" x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}"/>`);
  return (
    `<svg id="timeline-chart" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" ` +
    `aria-label="Decisions per ${timeline.bucket}: ${timeline.totals.granted} granted, ${timeline.totals.denied} denied">` +
    parts.join('') +
    '</svg>'
  );
}

export interface BarItem {
  label: string;
  count: number;
  /** Extra line for the tooltip. */
  detail?: string;
}

/** Horizontal bars, one per item, largest first (items come sorted). */
export function barChart(id: string, items: readonly BarItem[], cssClass: string): string {
  if (items.length === 0) return '<p class="empty">None in this window.</p>';
  const width = 960;
  const rowH = 24;
  const labelW = 300;
  const countW = 70;
  const height = items.length * rowH + 8;
  const max = Math.max(...items.map((i) => i.count));
  const plotW = width - labelW - countW;
  const parts = items.map((item, i) => {
    const y = 4 + i * rowH;
    const w = max === 0 ? 0 : Math.max(1, (item.count / max) * plotW);
    const label = item.label.length > 40 ? `${item.label.slice(0, 39)}…` : item.label;
    const tip = `${item.label}: ${item.count}${item.detail ? ` (${item.detail})` : ''}`;
    return (
      `<g class="bar" data-label="${escapeHtml(item.label)}" data-count="${item.count}" data-tip="${escapeHtml(tip)}">` +
      `<title>${escapeHtml(tip)}</title>` +
      `<text class="label" x="${labelW - 8}" y="${y + 16}" text-anchor="end">${escapeHtml(label)}</text>` +
      `<rect class="${cssClass}" x="${labelW}" y="${y + 3}" width="${fmt(w)}" height="${rowH - 6}"/>` +
      `<text class="count" x="${fmt(labelW + w + 6)}" y="${y + 16}">${item.count}</text>` +
      '</g>'
    );
  });
  return `<svg id="${escapeHtml(id)}" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join('')}</svg>`;
}
