/** The page's only stylesheet (inline: the report must open with no network). */
export const STYLES = `
:root { color-scheme: light; --granted: #4c956c; --bypassed: #e0a526; --denied: #c8443c; --ink: #1d2330; --muted: #667085; --line: #d9dee7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1000px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: var(--muted); margin: 0; overflow-wrap: anywhere; }
.totals { display: flex; gap: 12px; margin: 16px 0 0; padding: 0; list-style: none; flex-wrap: wrap; }
.totals li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.totals b { display: block; font-size: 22px; }
.totals .denied b { color: var(--denied); }
.totals .bypassed b { color: #9a6b00; }
.legend { display: flex; gap: 16px; margin: 4px 0; color: var(--muted); }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; vertical-align: -1px; }
.legend .granted::before { background: var(--granted); }
.legend .bypassed::before { background: var(--bypassed); }
.legend .denied::before { background: var(--denied); }
svg.chart { max-width: 100%; height: auto; display: block; }
svg .granted { fill: var(--granted); }
svg .bypassed { fill: var(--bypassed); }
svg .denied { fill: var(--denied); }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .baseline { stroke: var(--muted); stroke-width: 1; }
svg .axis, svg .count { fill: var(--muted); font-size: 11px; }
svg .label { fill: var(--ink); font-size: 12px; }
svg g.bucket:hover rect, svg g.bar:hover rect { opacity: .75; }
.status { min-height: 1.45em; color: var(--muted); margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { background: #f5f7fa; font-weight: 600; }
table.sortable th { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td code { font-size: 12px; color: #3b4252; }
.empty, .note { color: var(--muted); font-style: italic; }
details { margin: 6px 0; }
.groups { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 0 16px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print { body { padding: 0; } details { display: none; } }
`;
