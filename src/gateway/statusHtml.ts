/**
 * The status page: one HTML document with its style and script inline, nothing fetched but
 * `status.json` from its own origin. The script renders with textContent only: method names
 * and codes come from contracts, but a page that never parses what it shows as HTML cannot be
 * made to run anything.
 *
 * The Content-Security-Policy allows exactly this script and this style, by their hashes,
 * computed here once.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --bg: #f6f7f9; --card: #fff; --line: #dde1e6; --ok: #1a7f37; --bad: #cf222e; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --card: #161b22; --line: #30363d; --ok: #3fb950; --bad: #f85149; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; margin-bottom: 16px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 15px; margin: 24px 0 8px; }
.muted { color: var(--muted); }
#live::before { content: "\\25CF "; }
#live[data-state="live"] { color: var(--ok); }
#live[data-state="stale"] { color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 24px; font-variant-numeric: tabular-nums; margin-top: 2px; }
#transport[data-ready="true"] { color: var(--ok); }
#transport[data-ready="false"] { color: var(--bad); }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { padding: 7px 12px; text-align: right; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--bg); }
th:first-child, td:first-child, .name { text-align: left; }
.card .sub { color: var(--muted); font-size: 12px; }
td.method, td.code { font-family: ui-monospace, monospace; }
tr.error td.code { color: var(--bad); }
tr.empty td { text-align: center; color: var(--muted); }
tbody tr:last-child td { border-bottom: 0; }
footer { margin-top: 20px; font-size: 12px; }
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const rate = (n) => n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
const duration = (s) => s === null ? '\\u2013' : s >= 1 ? s.toFixed(2) + ' s' : (s * 1000).toPrecision(2) + ' ms';
function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = String(text);
  if (className) td.className = className;
}
function fill(tbody, items, columns, draw) {
  tbody.replaceChildren();
  if (items.length === 0) {
    const row = tbody.insertRow();
    row.className = 'empty';
    const td = row.insertCell();
    td.colSpan = columns;
    td.textContent = 'nothing in the window';
    return;
  }
  for (const item of items) draw(tbody.insertRow(), item);
}
function render(s) {
  $('window').textContent = 'the last ' + s.windowSeconds.toFixed(1) + ' s';
  $('connections').textContent = s.connections;
  $('in-flight').textContent = s.inFlight;
  $('subscriptions').textContent = s.subscriptions;
  $('calls-per-second').textContent = rate(s.calls.perSecond);
  const transport = $('transport');
  transport.dataset.ready = String(s.transport.ready);
  transport.textContent = s.transport.ready ? 'ready' : 'not ready';
  $('transport-kind').textContent = s.transport.kind;
  $('reconnects').textContent = s.transport.reconnects;
  $('reconnects-in-window').textContent = s.transport.reconnectsInWindow + ' in the window';
  fill($('methods').tBodies[0], s.methods, 6, (row, m) => {
    row.dataset.method = m.method;
    cell(row, m.method, 'method');
    cell(row, rate(m.perSecond), 'per-second');
    cell(row, m.calls, 'calls');
    cell(row, m.errors, 'errors');
    cell(row, duration(m.p50), 'p50');
    cell(row, duration(m.p99), 'p99');
  });
  fill($('codes').tBodies[0], s.codes, 4, (row, c) => {
    row.dataset.code = c.code;
    if (c.code !== 'ok') row.className = 'error';
    cell(row, c.code, 'code');
    cell(row, c.name ?? (c.code === 'ok' ? 'result' : ''), 'name');
    cell(row, c.answers, 'answers');
    cell(row, rate(c.perSecond), 'per-second');
  });
}
let updates = 0;
async function poll() {
  const live = $('live');
  try {
    const response = await fetch('status.json', { cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    render(await response.json());
    document.body.dataset.updates = String(++updates);
    live.dataset.state = 'live';
    live.textContent = 'live';
  } catch (err) {
    live.dataset.state = 'stale';
    live.textContent = 'not updating: ' + err.message;
  }
  setTimeout(poll, 1000);
}
poll();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Nothing loads but this style and script, and the JSON from the page's own origin. */
export const STATUS_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const STATUS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warren gateway status</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Warren gateway</h1>
  <span id="live" data-state="starting">starting</span>
  <span id="window" class="muted"></span>
</header>
<section class="cards">
  <div class="card"><div class="label">Connections</div><div class="value" id="connections">\u2013</div></div>
  <div class="card"><div class="label">Calls / s</div><div class="value" id="calls-per-second">\u2013</div></div>
  <div class="card"><div class="label">In flight</div><div class="value" id="in-flight">\u2013</div></div>
  <div class="card"><div class="label">Subscriptions</div><div class="value" id="subscriptions">\u2013</div></div>
  <div class="card"><div class="label">Transport</div><div class="value" id="transport">\u2013</div><div class="sub" id="transport-kind"></div></div>
  <div class="card"><div class="label">Reconnects</div><div class="value" id="reconnects">\u2013</div><div class="sub" id="reconnects-in-window"></div></div>
</section>
<h2>Methods</h2>
<table id="methods">
  <thead><tr><th>Method</th><th>Calls / s</th><th>Calls</th><th>Errors</th><th>p50</th><th>p99</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Answers by code</h2>
<table id="codes">
  <thead><tr><th>Code</th><th class="name">Name</th><th>Answers</th><th>/ s</th></tr></thead>
  <tbody></tbody>
</table>
<footer class="muted">Rates, counts and quantiles over the window, from the gateway's Prometheus series (<a href="metrics">/metrics</a>); p50 and p99 are estimated from the duration buckets, as histogram_quantile does.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
