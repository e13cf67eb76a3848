/**
 * The page's only script, allowed by hash in its CSP. Everything is already rendered on the
 * server; this adds what needs a browser: a check that the charts hold the embedded data's
 * numbers (shown on the page, and as `data-script` on <html>), local times on hover, sortable
 * tables, and a status line repeating the hovered bar's numbers. ES5 and no template strings,
 * so any browser runs it.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var root = document.documentElement;
  var check = document.getElementById('script-check');
  var data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
  } catch (e) {
    root.setAttribute('data-script', 'bad-data');
    return;
  }
  function sum(selector, attribute) {
    var total = 0;
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) total += Number(nodes[i].getAttribute(attribute)) || 0;
    return total;
  }
  // A report of request events alone has no charts to check.
  var t = data.timeline ? data.timeline.totals : null;
  var granted = sum('#timeline-chart g.bucket', 'data-granted');
  var denied = sum('#timeline-chart g.bucket', 'data-denied');
  var bypassed = sum('#timeline-chart g.bucket', 'data-bypassed');
  var ok = t === null ? granted + denied + bypassed === 0 : granted === t.granted && denied === t.denied && bypassed === t.bypassed;
  root.setAttribute('data-script', ok ? 'ready' : 'mismatch');
  if (check && t !== null) {
    check.textContent = ok
      ? 'Checked in your browser: the charts add up to the embedded data (' + t.decisions + ' decisions, ' + t.denied + ' denied, ' + t.bypassed + ' bypasses).'
      : 'Warning: the charts do not add up to the embedded data.';
  }

  // The request events' outcome table must add up to their total (outcomes are never cut).
  var summary = data.requestSummary;
  if (summary && typeof summary.total === 'number') {
    var outcomes = sum('#request-byOutcome tbody tr', 'data-count');
    root.setAttribute('data-summary', outcomes === summary.total ? 'ready' : 'mismatch');
  }

  var times = document.querySelectorAll('time[datetime]');
  for (var i = 0; i < times.length; i++) {
    var d = new Date(times[i].getAttribute('datetime'));
    if (!isNaN(d.getTime())) times[i].title = d.toLocaleString();
  }

  var status = document.getElementById('chart-status');
  var tips = document.querySelectorAll('[data-tip]');
  for (var j = 0; j < tips.length; j++) {
    tips[j].addEventListener('mouseenter', function () {
      if (status) status.textContent = this.getAttribute('data-tip');
    });
  }

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var text = cell ? (cell.getAttribute('data-sort') || cell.textContent) : '';
    return numeric ? Number(text) : text;
  }
  var tables = document.querySelectorAll('table.sortable');
  for (var k = 0; k < tables.length; k++) {
    (function (table) {
      var headers = table.tHead ? table.tHead.rows[0].cells : [];
      for (var h = 0; h < headers.length; h++) {
        (function (th, index) {
          th.addEventListener('click', function () {
            var numeric = th.className.indexOf('num') !== -1;
            var ascending = th.getAttribute('aria-sort') !== 'ascending';
            for (var x = 0; x < headers.length; x++) headers[x].removeAttribute('aria-sort');
            th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) {
              var va = cellValue(a, index, numeric);
              var vb = cellValue(b, index, numeric);
              var c = va < vb ? -1 : va > vb ? 1 : 0;
              return ascending ? c : -c;
            });
            for (var r = 0; r < rows.length; r++) body.appendChild(rows[r]);
          });
        })(headers[h], h);
      }
    })(tables[k]);
  }
})();`;
