// The status page: one self-contained HTML document (no asset is fetched from anywhere). It
// reads /status once, then follows /status/events (server-sent events) and redraws; when the
// event stream drops it polls /status until the stream is back.

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meter Master pipeline</title>
<style>
  :root { --ok: #1f8a4c; --warn: #b7791f; --red: #c53030; --muted: #667085; --line: #e4e7ec; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; background: #f6f7f9; color: #101828; }
  header { display: flex; align-items: center; gap: 16px; padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  #overall { padding: 4px 12px; border-radius: 999px; color: #fff; font-weight: 600; font-size: 13px; }
  #updated { color: var(--muted); font-size: 12px; margin-left: auto; }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; }
  .ok { background: var(--ok); } .warn { background: var(--warn); } .red { background: var(--red); }
  .reason { color: var(--red); font-size: 12px; }
  .reason.warn-text { color: var(--warn); }
  #problems li { color: var(--red); margin: 2px 0; }
  .sinks { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; align-items: start; }
  .sink { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .sink.level-red { border-color: var(--red); box-shadow: 0 0 0 1px var(--red) inset; }
  .sink h3 { font-size: 14px; margin: 0 0 6px; display: flex; gap: 8px; align-items: center; }
  .kv { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4px 12px; font-size: 12px; color: var(--muted); }
  .kv b { display: block; color: #101828; font-size: 15px; font-variant-numeric: tabular-nums; }
  svg { width: 100%; height: 36px; display: block; margin-top: 4px; background: #fafbfc; }
  .deliveries { margin-top: 6px; font-size: 12px; }
  .deliveries td { padding: 2px 6px; }
  .muted { color: var(--muted); }
</style>
</head>
<body>
<header><h1>Meter Master pipeline</h1><span id="overall" class="warn">loading</span><span id="updated"></span></header>
<main>
  <section id="problems-section"><h2>Needs attention</h2><ul id="problems"></ul></section>
  <section><h2>Sources</h2>
    <table><thead><tr><th>source</th><th>connector (declared / actual)</th><th>tasks</th><th>last captured change</th><th class="num">capture delay</th></tr></thead><tbody id="sources"></tbody></table>
  </section>
  <section><h2>Sinks</h2><div class="sinks" id="sinks"></div></section>
  <section id="others-section"><h2>Other connectors</h2>
    <table><thead><tr><th>connector</th><th>declared / actual</th><th>tasks</th></tr></thead><tbody id="others"></tbody></table>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 }));
const age = (s) => (s === null ? "never" : s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago");
const span = (h) => { const sec = h.length < 2 ? 0 : Math.round((h[h.length - 1].t - h[0].t) / 1000); return sec < 120 ? sec + " s" : Math.round(sec / 60) + " min"; };
const pill = (level, text) => '<span class="pill ' + level + '">' + esc(text) + "</span>";

function spark(points, key, color) {
  if (points.length < 2) return '<svg viewBox="0 0 100 40"></svg>';
  const max = Math.max(1, ...points.map((p) => p[key]));
  const step = 100 / (points.length - 1);
  const d = points.map((p, i) => (i ? "L" : "M") + (i * step).toFixed(2) + "," + (38 - (p[key] / max) * 36).toFixed(2)).join(" ");
  return '<svg viewBox="0 0 100 40" preserveAspectRatio="none"><path d="' + d + '" fill="none" stroke="' + color + '" stroke-width="1.5" vector-effect="non-scaling-stroke"/></svg>';
}

function connectorCells(c) {
  if (!c) return "<td class=muted>not supervised</td><td></td>";
  const level = c.level === "ok" ? "ok" : c.level;
  const tasks = c.tasks.map((t) => pill(t.state === "RUNNING" ? "ok" : t.state === "FAILED" ? "red" : "warn", "task " + t.id + " " + t.state)).join(" ");
  return "<td>" + esc(c.name) + " " + esc(c.declared) + " / " + pill(level, c.state) + (c.reason ? '<div class="reason' + (c.level === "warn" ? " warn-text" : "") + '">' + esc(c.reason) + "</div>" : "") + "</td><td>" + (tasks || '<span class="muted">none</span>') + "</td>";
}

function render(s) {
  $("overall").className = s.level;
  $("overall").textContent = s.level === "ok" ? "all in step" : s.level === "red" ? "needs attention" : "warning";
  $("updated").textContent = "updated " + new Date(s.generatedAt).toLocaleTimeString();
  $("problems-section").style.display = s.problems.length ? "" : "none";
  $("problems").innerHTML = s.problems.map((p) => "<li>" + esc(p) + "</li>").join("");
  $("sources").innerHTML = s.sources.map((src) =>
    "<tr data-source=\\"" + esc(src.name) + "\\"><td><b>" + esc(src.name) + "</b></td>" + connectorCells(src.connector) +
    "<td>" + (src.lastChangeAt ? esc(new Date(src.lastChangeAt).toLocaleString()) + ' <span class="muted">(' + age(src.lastChangeAgeSeconds) + ")</span>" : '<span class="muted">none yet</span>') + "</td>" +
    '<td class="num">' + (src.captureDelayMs === null ? "–" : fmt(src.captureDelayMs) + " ms") + "</td></tr>").join("");
  $("others-section").style.display = s.otherConnectors.length ? "" : "none";
  $("others").innerHTML = s.otherConnectors.map((c) => "<tr>" + connectorCells(c).replace("<td>", "<td>") + "</tr>").join("");
  $("sinks").innerHTML = s.sinks.map((k) => {
    const id = k.sink + "." + k.source;
    const points = s.history.map((h) => h.sinks[id] || { outPerSecond: 0, lagRecords: 0 });
    const rows = k.rows === undefined ? "" : "<div>rows (live / deleted)<b>" + (k.rows ? fmt(k.rows.live) + " / " + fmt(k.rows.deleted) : "–") + "</b></div>";
    const deliveries = (k.deliveries || []).map((d) =>
      "<tr><td>" + new Date(d.at).toLocaleTimeString() + "</td><td>" + pill(d.outcome === "delivered" ? "ok" : "red", d.outcome) + "</td><td class=num>" + d.items + " item(s)</td><td class=num>" + d.durationMs + " ms</td><td>" + esc(d.detail) + "</td></tr>").join("");
    return '<div class="sink level-' + k.level + '" data-sink="' + esc(id) + '"><h3>' + pill(k.level, k.level === "ok" ? "ok" : k.level === "red" ? "RED" : "warn") + " " +
      (k.sink === "api" ? "API endpoint" : "Meter Master") + " · " + esc(k.source) + "</h3>" +
      (k.reason ? '<div class="reason' + (k.level === "warn" ? " warn-text" : "") + '" data-reason>' + esc(k.reason) + "</div>" : "") +
      '<div class="kv"><div>in / s<b>' + fmt(k.inPerSecond) + "</b></div><div>out / s<b>" + fmt(k.outPerSecond) + "</b></div>" +
      '<div>events in<b data-events-in>' + fmt(k.eventsIn) + "</b></div><div>events out<b data-events-out>" + fmt(k.eventsOut) + "</b></div>" +
      "<div>lag<b>" + fmt(k.lagRecords) + " rec" + (k.lagSeconds === null ? "" : " · " + fmt(k.lagSeconds) + " s") + "</b></div>" +
      "<div>failures / DLQ<b>" + fmt(k.failures) + " / " + fmt(k.deadLettered) + "</b></div>" + rows + "</div>" +
      '<div class="muted" style="font-size:11px;margin-top:6px"><span style="color:#1f8a4c">out / s</span> (max ' + fmt(Math.max(0, ...points.map((p) => p.outPerSecond))) + ') and <span style="color:#b7791f">lag in records</span> (max ' + fmt(Math.max(0, ...points.map((p) => p.lagRecords))) + "), last " + span(s.history) + "</div>" +
      spark(points, "outPerSecond", "#1f8a4c") + spark(points, "lagRecords", "#b7791f") +
      (deliveries ? '<table class="deliveries"><tbody>' + deliveries + "</tbody></table>" : "") + "</div>";
  }).join("");
}

async function poll() {
  try { render(await (await fetch("/status", { cache: "no-store" })).json()); } catch (e) { $("overall").className = "red"; $("overall").textContent = "sink-app not answering"; }
}
let polling = null;
function follow() {
  const events = new EventSource("/status/events");
  events.onmessage = (m) => { render(JSON.parse(m.data)); if (polling) { clearInterval(polling); polling = null; } };
  events.onerror = () => { if (!polling) polling = setInterval(poll, 3000); };
}
poll().then(follow);
</script>
</body>
</html>
`;
