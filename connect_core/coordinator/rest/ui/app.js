// The lambda-connect status page: polls /ui/api/overview (states, last hour's charts) and calls the ordinary REST
// API for actions.
"use strict";
const base = location.pathname.replace(/\/ui\/?$/, "");
const REFRESH_MS = 3000;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function ago(ms) {
  if (ms === null || ms === undefined) return "never";
  const s = Math.round(ms / 1000);
  if (s < 120) return s + " s ago";
  if (s < 7200) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function usd(value) {
  return "$" + (value < 1 ? value.toFixed(4) : value.toFixed(2));
}

function state(value) {
  return el("span", { class: "state " + value, "data-state": value }, value);
}

async function act(method, path) {
  const response = await fetch(base + path, { method });
  showError(response.ok ? "" : method + " " + path + " → " + response.status + " " + await response.text());
  refresh();
}

function showError(message) {
  const node = document.getElementById("error");
  node.textContent = message;
  node.hidden = !message;
}

function actions(c) {
  const path = "/connectors/" + encodeURIComponent(c.name);
  const buttons = [];
  if (c.target_state === "STARTED") buttons.push(el("button", { "data-action": "pause", onclick: () => act("PUT", path + "/pause") }, "Pause"));
  else buttons.push(el("button", { "data-action": "resume", onclick: () => act("PUT", path + "/resume") }, "Resume"));
  buttons.push(el("button", { "data-action": "restart",
    onclick: () => act("POST", path + "/restart?includeTasks=true&onlyFailed=false") }, "Restart"));
  if (c.target_state !== "STOPPED") buttons.push(el("button", { "data-action": "stop", onclick: () => act("PUT", path + "/stop") }, "Stop"));
  return buttons;
}

function lastRun(run) {
  if (!run) return el("span", { class: "muted" }, "no run yet");
  const text = ago(run.ago_ms) + " · " + run.records + " records · " + run.duration_ms + " ms · " + run.memory_mb + " MB";
  return el("span", {}, run.ok ? text : [text, " · ", el("b", {}, "failed: "), run.error]);
}

function restartInfo(restart, held) {
  if (held) {
    const from = Object.entries(held.replay_from).map(([tp, o]) => tp + "@" + o).join(", ") || "the starting position";
    return "trigger disabled since " + new Date(held.at_ms).toLocaleTimeString() + " (poison batch kept): restart to replay from " + from;
  }
  if (!restart || !restart.failures) return "";
  const times = restart.history.map((ms) => new Date(ms).toLocaleTimeString()).join(", ");
  const history = times ? " (at " + times + ")" : "";
  if (restart.breaker_open) return "breaker open: " + restart.reason + history;
  const next = restart.retry_at_ms ? " · next " + new Date(restart.retry_at_ms).toLocaleTimeString() : "";
  return restart.failures + " failure(s), " + restart.restarts + " automatic restart(s)" + history + next;
}

function taskTable(c) {
  const source = c.type === "source";
  const head = ["task", "state", "last run", source ? "last record · latest offset" : null, "restarts", ""];
  const rows = c.tasks.map((t) => el("tr", { "data-task": t.id },
    el("td", {}, t.id),
    el("td", {}, state(t.state), t.state !== t.reported_state ? el("span", { class: "muted" }, " reported " + t.reported_state) : null),
    el("td", {}, lastRun(t.last_run)),
    source ? el("td", {}, t.progress ? ago(t.progress.since_last_record_ms) + " · " + JSON.stringify(t.progress.latest_offsets) : "no records yet") : null,
    el("td", {}, restartInfo(t.restart, t.trigger_disabled)),
    el("td", {}, el("button", { onclick: () => act("POST", "/connectors/" + encodeURIComponent(c.name) + "/tasks/" + t.id + "/restart") }, "Restart task")),
  ));
  const traces = c.tasks.filter((t) => t.trace).map((t) => el("pre", { class: "trace" }, "task " + t.id + ": " + t.trace));
  return [el("table", {}, el("tr", {}, head.filter((h) => h !== null).map((h) => el("th", {}, h))), rows), traces];
}

function lagTable(lag) {
  if (!lag) return null;
  if (lag.error) return el("p", { class: "error" }, "lag unknown: " + lag.error);
  return el("table", { class: "lag" },
    el("tr", {}, ["topic", "partition", "committed", "end", "lag"].map((h) => el("th", {}, h))),
    lag.partitions.map((p) => el("tr", {}, el("td", {}, p.topic), el("td", {}, p.partition),
      el("td", {}, p.committed === null ? "–" : p.committed), el("td", {}, p.end), el("td", {}, p.lag))));
}

const SVG = "http://www.w3.org/2000/svg";
const CHART_W = 600, CHART_H = 70;

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat(Infinity)) if (child) node.append(child);
  return node;
}

function compact(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return String(n >= 10 ? Math.round(n) : Number(n.toPrecision(2)));
}

// One chart of the last hour: points [[x ms, y]], drawn as a filled line; failed runs as red ticks.
function chart(series, title, points, h, failures) {
  const span = h.end_ms - h.start_ms;
  const max = Math.max(0, ...points.map((p) => p[1]));
  const x = (ms) => ((ms - h.start_ms) / span * CHART_W).toFixed(1);
  const y = (v) => (CHART_H - 2 - (max ? v / max : 0) * (CHART_H - 6)).toFixed(1);
  const line = points.map((p, i) => (i ? "L" : "M") + x(p[0]) + "," + y(p[1])).join(" ");
  const area = points.length ? line + " L" + x(points[points.length - 1][0]) + "," + (CHART_H - 1) + " L" +
    x(points[0][0]) + "," + (CHART_H - 1) + " Z" : "";
  const marks = failures.map((f) => svg("line", { class: "failure", x1: x(f.at_ms), x2: x(f.at_ms), y1: 0, y2: CHART_H,
    "data-task": f.task }, svg("title", {}, "task " + f.task + " failed at " + new Date(f.at_ms).toLocaleTimeString() +
    (f.error ? ": " + f.error : ""))));
  return el("figure", { class: "chart" },
    el("figcaption", { class: "muted" }, title + " · last hour · max " + compact(max)),
    svg("svg", { class: "chart", viewBox: "0 0 " + CHART_W + " " + CHART_H, preserveAspectRatio: "none",
      "data-series": series, "data-max": max, "data-points": points.filter((p) => p[1] > 0).length },
      svg("path", { class: "area", d: area }), svg("path", { class: "line", d: line }),
      series === "lag" ? points.map((p) => svg("circle", { class: "point", cx: x(p[0]), cy: y(p[1]), r: 2.5 })) : null,
      marks));
}

function charts(c) {
  const h = c.history;
  if (!h) return null;
  const rate = h.records_per_s.map((v, i) => [h.start_ms + (i + 0.5) * h.bucket_ms, v]);
  const shown = [chart("records", "records/s", rate, h, h.failures)];
  if (c.type === "sink") shown.push(chart("lag", "lag", h.lag, h, h.failures));
  const failed = h.failures.length ? el("span", { class: "muted" }, h.failures.length + " failed run(s) in the hour, marked red") : null;
  return el("div", { class: "charts" }, shown, failed);
}

function connector(c) {
  const facts = [el("span", {}, "type: " + c.type), el("span", {}, "cost ≈ " + usd(c.cost.usd) + "/month")];
  if (c.schedule_interval_ms) facts.push(el("span", {}, "every " + c.schedule_interval_ms / 1000 + " s"));
  if (c.lag && !c.lag.error) facts.push(el("span", {}, "lag: " + c.lag.total));
  if (c.dlq) facts.push(el("span", {}, "DLQ " + c.dlq.topic + ": " + (c.dlq.error ? "unknown" : c.dlq.records + " records")));
  return el("section", { class: "connector", "data-connector": c.name },
    el("h2", {}, c.name, state(c.state), actions(c)),
    el("div", { class: "facts muted" }, facts),
    c.trace ? el("pre", { class: "trace" }, c.trace) : null,
    charts(c),
    taskTable(c),
    lagTable(c.lag));
}

async function refresh() {
  try {
    const response = await fetch(base + "/ui/api/overview", { cache: "no-store" });
    if (!response.ok) throw new Error("overview: HTTP " + response.status);
    const data = await response.json();
    const list = document.getElementById("connectors");
    list.replaceChildren(...data.connectors.map(connector));
    document.getElementById("summary").textContent = data.connectors.length + " connector(s) · " + data.runtime +
      " · " + data.architecture + " · total ≈ " + usd(data.cost.usd) + "/month";
    document.getElementById("updated").textContent = "updated " + new Date(data.generated_at_ms).toLocaleTimeString();
    document.body.dataset.loaded = "true";
  } catch (error) {
    showError(String(error));
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
