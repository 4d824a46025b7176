// Sentinel explorer: the calls list with its charts, one call's timeline, and a
// conversation. Data from /v1/calls*, /v1/conversations/*; every text through
// common.js's helpers (textContent), charts as SVG elements built here.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const FILTERS = ["since", "start", "end", "app", "model", "outcome", "status", "subject_key",
                 "conversation_id", "cost_above", "latency_above_ms"];

// A token from the URL fragment (#token=...) is kept for this tab, then removed from the URL.
function token() {
  const m = location.hash.match(/token=([A-Za-z0-9_-]+)/);
  if (m) {
    sessionStorage.setItem("sentinel-token", m[1]);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("sentinel-token");
}

async function api(path) {
  const headers = {};
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  const response = await fetch(path, { headers, cache: "no-store" });
  if (response.status === 401 || response.status === 403) {
    document.getElementById("token-form").hidden = false;
    throw new Error("HTTP " + response.status + ": a token with the explore scope is needed");
  }
  if (!response.ok) throw new Error("HTTP " + response.status);
  return response.json();
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const money = (x, cur) => (x === null || x === undefined ? "–" : x.toFixed(4) + (cur ? " " + cur : ""));
const num = (x) => (x === null || x === undefined ? "–" : String(x));

// --- charts -------------------------------------------------------------------------

const W = 560, H = 160, PAD = 34;

function axes(root, maxY, label, buckets) {
  root.appendChild(svg("line", { x1: PAD, y1: H - 20, x2: W, y2: H - 20, class: "axis" }));
  root.appendChild(svg("text", { x: 2, y: 14, class: "tick" }, label(maxY)));
  root.appendChild(svg("text", { x: 2, y: H - 22, class: "tick" }, label(0)));
  if (buckets.length) {
    root.appendChild(svg("text", { x: PAD, y: H - 4, class: "tick" }, fmt.time(buckets[0].start).slice(5, 16)));
    root.appendChild(svg("text", { x: W - 70, y: H - 4, class: "tick" },
                         fmt.time(buckets[buckets.length - 1].start).slice(5, 16)));
  }
}

function chartCalls(buckets) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "calls and error rate" });
  const maxCalls = Math.max(1, ...buckets.map((b) => b.calls));
  const step = (W - PAD) / Math.max(1, buckets.length);
  const y = (v, max) => H - 20 - (v / max) * (H - 30);
  axes(root, maxCalls, String, buckets);
  const line = [];
  buckets.forEach((b, i) => {
    const x = PAD + i * step;
    const bar = svg("rect", { x: x + 1, y: y(b.calls, maxCalls), width: Math.max(1, step - 2),
                              height: H - 20 - y(b.calls, maxCalls), class: "bar",
                              "data-calls": b.calls, "data-errors": b.errors });
    bar.appendChild(svg("title", {}, `${fmt.time(b.start)}: ${b.calls} calls, ${b.errors} errors`));
    root.appendChild(bar);
    if (b.error_rate !== null) line.push(`${x + step / 2},${y(b.error_rate, 1)}`);
  });
  if (line.length) root.appendChild(svg("polyline", { points: line.join(" "), class: "line err" }));
  return root;
}

function chartLatency(buckets) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "latency percentiles" });
  const all = buckets.flatMap((b) => Object.values(b.latency_ms).filter((v) => v !== null));
  const max = Math.max(1, ...all);
  const step = (W - PAD) / Math.max(1, buckets.length);
  axes(root, max, (v) => Math.round(v) + " ms", buckets);
  for (const q of ["p50", "p95", "p99"]) {
    const points = [];
    buckets.forEach((b, i) => {
      const v = b.latency_ms[q];
      if (v !== null) points.push(`${PAD + i * step + step / 2},${H - 20 - (v / max) * (H - 30)}`);
    });
    if (points.length) root.appendChild(svg("polyline", { points: points.join(" "), class: "line " + q }));
  }
  return root;
}

function chartModels(models) {
  const rowH = 22, height = Math.max(1, models.length) * rowH + 8;
  const root = svg("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": "tokens by model" });
  const total = (m) => m.tokens.input_tokens + m.tokens.output_tokens;
  const max = Math.max(1, ...models.map(total));
  models.forEach((m, i) => {
    const y = 4 + i * rowH;
    root.appendChild(svg("text", { x: 0, y: y + 14, class: "tick" }, m.model));
    let x = 170;
    for (const [field, cls] of [["input_tokens", "in"], ["output_tokens", "out"]]) {
      const w = (m.tokens[field] / max) * (W - 180);
      const bar = svg("rect", { x, y, width: Math.max(0, w), height: rowH - 6, class: "bar " + cls });
      bar.appendChild(svg("title", {}, `${m.model}: ${m.tokens[field]} ${field.replace("_", " ")}`));
      root.appendChild(bar);
      x += w;
    }
  });
  return root;
}

// --- pages --------------------------------------------------------------------------

function filterQuery() {
  const params = new URLSearchParams(location.search);
  const out = new URLSearchParams();
  for (const name of FILTERS) if (params.get(name)) out.set(name, params.get(name));
  return out;
}

async function callsPage() {
  const params = new URLSearchParams(location.search);
  const query = filterQuery();
  for (const name of FILTERS) {
    const input = document.querySelector(`#filters [name="${name}"]`);
    input.value = query.get(name) || (name === "since" && !query.get("start") ? "24h" : "");
  }
  document.getElementById("apply").addEventListener("click", () => {
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = document.querySelector(`#filters [name="${name}"]`).value.trim();
      if (value) next.set(name, value);
    }
    if (next.get("start")) next.delete("since");
    location.search = next.toString();
  });
  const listQuery = new URLSearchParams(query);
  if (params.get("cursor")) listQuery.set("cursor", params.get("cursor"));
  document.getElementById("api-link").href = "/v1/calls?" + listQuery.toString();
  const [list, charts] = await Promise.all([
    api("/v1/calls?" + listQuery.toString()),
    api("/v1/calls/charts?" + query.toString()),
  ]);
  setText("range", fmt.time(list.start) + " – " + fmt.time(list.end));
  setText("call-count", String(list.calls.length) + (list.next_cursor ? "+" : ""));
  fillTable("calls", list.calls.map((c) => ({
    attrs: { requestId: c.request_id, outcome: c.outcome, model: c.model, status: c.http_status ?? "" },
    cells: [fmt.time(c.timestamp),
            { text: c.request_id.slice(0, 12), href: "/explore/calls/" + encodeURIComponent(c.request_id), cls: "mono" },
            c.app, c.model, { text: c.outcome, cls: "state " + (c.outcome === "success" ? "completed" : "failed") },
            num(c.http_status), c.error_type || "", fmt.ms(c.duration_ms), num(c.retries), num(c.failovers),
            num(c.total_tokens), money(c.cost, c.cost_currency)],
  })), "no-calls");
  const older = document.getElementById("older");
  if (list.next_cursor) {
    const next = new URLSearchParams(query);
    next.set("cursor", list.next_cursor);
    older.href = "/explore?" + next.toString();
    older.hidden = false;
  }
  document.getElementById("newest").href = "/explore?" + query.toString();

  const b = charts.buckets;
  const calls = b.reduce((s, x) => s + x.calls, 0), errors = b.reduce((s, x) => s + x.errors, 0);
  setText("total-calls", String(calls));
  setText("total-errors", String(errors));
  setText("total-error-rate", calls ? fmt.pct(errors / calls) + " errors" : "no calls");
  setText("step", "per " + fmt.duration(charts.step_seconds));
  document.getElementById("chart-calls").replaceChildren(chartCalls(b));
  document.getElementById("chart-latency").replaceChildren(chartLatency(b));
  document.getElementById("chart-models").replaceChildren(chartModels(charts.models));
  fillTable("models", charts.models.map((m) => ({
    attrs: { model: m.model, calls: m.calls },
    cells: [m.model, String(m.calls), String(m.tokens.input_tokens), String(m.tokens.cache_hit_tokens),
            String(m.tokens.output_tokens), String(m.tokens.reasoning_tokens), money(m.cost, m.cost_currency)],
  })));
}

function chartTimeline(rows, total) {
  const rowH = 24, height = rows.length * rowH + 24, TW = 1100;
  const root = svg("svg", { viewBox: `0 0 ${TW} ${height}`, role: "img", "aria-label": "attempts over time" });
  const scale = (TW - 90) / Math.max(1, total);
  rows.forEach((r, i) => {
    const y = 4 + i * rowH;
    root.appendChild(svg("text", { x: 0, y: y + 14, class: "tick" }, "#" + r.attempt + " " + (r.status ?? "conn")));
    const bar = svg("rect", { x: 80 + r.offset_ms * scale, y, width: Math.max(2, r.duration_ms * scale),
                              height: rowH - 8, class: "bar " + (r.error_type ? "fail" : "ok") });
    bar.appendChild(svg("title", {}, `attempt ${r.attempt}: ${fmt.ms(r.duration_ms)}`));
    root.appendChild(bar);
    if (r.wait_ms > 0) {
      root.appendChild(svg("rect", { x: 80 + (r.offset_ms + r.duration_ms) * scale, y: y + 6,
                                     width: Math.max(1, r.wait_ms * scale), height: 4, class: "wait" }));
    }
  });
  root.appendChild(svg("text", { x: TW - 80, y: height - 4, class: "tick" }, fmt.ms(total)));
  return root;
}

async function callPage() {
  const id = decodeURIComponent(location.pathname.split("/").pop());
  document.getElementById("api-link").href = "/v1/calls/" + encodeURIComponent(id);
  const data = await api("/v1/calls/" + encodeURIComponent(id));
  const c = data.call, s = data.summary;
  setText("title", c.request_id);
  setText("outcome", c.outcome);
  document.getElementById("card-outcome").className = "card " + (c.outcome === "success" ? "ok" : "bad");
  setText("http-status", num(c.http_status));
  setText("error-type", c.error_type || "no error");
  setText("duration", fmt.ms(c.duration_ms));
  setText("ttft", fmt.ms(s.time_to_first_chunk_ms));
  setText("attempts", String(s.attempts));
  setText("retries", String(s.retries));
  setText("failovers", String(s.failovers));
  setText("breaker", s.breaker);
  setText("rate-limited", s.rate_limited ? "yes" : "no");
  setText("fallback", s.fallback ? "yes" : "no");
  setText("tok-input", num(s.tokens.input));
  setText("tok-cache-hit", num(s.tokens.cache_hit));
  setText("tok-cache-miss", num(s.tokens.cache_miss));
  setText("tok-output", num(s.tokens.output));
  setText("tok-reasoning", num(s.tokens.reasoning));
  setText("cost", money(c.cost, c.cost_currency));
  setText("timestamp", fmt.time(c.timestamp));
  setText("request-id", c.request_id);
  setText("trace-id", c.trace_id || "–");
  setText("app", c.app);
  setText("model", c.model + (c.response_model && c.response_model !== c.model ? " → " + c.response_model : ""));
  setText("endpoint", c.endpoint || "–");
  setText("subject-key", c.subject_key || "–");
  const conv = document.getElementById("conversation");
  const convId = c.conversation_id || (data.has_conversation ? c.request_id : null);
  if (convId && data.has_conversation) {
    const a = el("a", c.conversation_id || "this call's messages");
    a.href = "/explore/conversations/" + encodeURIComponent(convId);
    a.id = "conversation-link";
    conv.replaceChildren(a);
  } else {
    conv.textContent = c.conversation_id || "not stored";
  }
  fillTable("timeline", data.timeline.map((r) => ({
    attrs: { attempt: r.attempt, status: r.status ?? "", then: r.then || "" },
    cells: [String(r.attempt), "+" + fmt.ms(r.offset_ms), r.endpoint || "–", num(r.status),
            r.error_type || "", fmt.ms(r.duration_ms), r.then || "final", r.wait_ms ? fmt.ms(r.wait_ms) : "–"],
  })));
  document.getElementById("chart-timeline").replaceChildren(chartTimeline(data.timeline, c.duration_ms));
}

// Text with anonymization placeholders (<PERSON_1>, <EMAIL_ADDRESS_2>) as <mark>s.
function withPlaceholders(text) {
  const out = el("div", null, "content");
  const re = /<[A-Z][A-Z_]*_\d+>/g;
  let last = 0, m;
  while ((m = re.exec(text)) !== null) {
    out.appendChild(document.createTextNode(text.slice(last, m.index)));
    out.appendChild(el("mark", m[0], "pii"));
    last = m.index + m[0].length;
  }
  out.appendChild(document.createTextNode(text.slice(last)));
  return out;
}

function message(role, text) {
  const box = el("div", null, "message " + role);
  box.dataset.role = role;
  box.appendChild(el("p", role, "role"));
  box.appendChild(withPlaceholders(typeof text === "string" ? text : JSON.stringify(text)));
  return box;
}

async function conversationPage() {
  const id = decodeURIComponent(location.pathname.split("/").pop());
  setText("title", id);
  const data = await api("/v1/conversations/" + encodeURIComponent(id));
  setText("turn-count", String(data.turns.length));
  document.getElementById("turns").replaceChildren(...data.turns.map((t) => {
    const section = el("section", null, "turn");
    section.dataset.requestId = t.request_id;
    section.dataset.anonymized = t.anonymized_at ? "true" : "false";
    const head = el("h2", fmt.time(t.timestamp) + " · " + t.model + " · ");
    head.appendChild(el("span", t.anonymized_at ? "anonymized" : "raw (not yet anonymized)",
                        "pill " + (t.anonymized_at ? "ok" : "bad")));
    section.appendChild(head);
    for (const m of t.messages) section.appendChild(message(m.role || "?", m.content ?? ""));
    if (t.reasoning_content) section.appendChild(message("reasoning", t.reasoning_content));
    if (t.completion !== null) section.appendChild(message("assistant", t.completion));
    return section;
  }));
}

async function start() {
  const error = document.getElementById("error");
  document.getElementById("token-save").addEventListener("click", () => {
    sessionStorage.setItem("sentinel-token", document.getElementById("token").value.trim());
    location.reload();
  });
  const pages = { calls: callsPage, call: callPage, conversation: conversationPage };
  try {
    await pages[document.body.dataset.page]();
    document.body.dataset.loaded = "true";
  } catch (e) {
    error.textContent = "Could not load: " + e.message;
    error.hidden = false;
  }
}
document.addEventListener("DOMContentLoaded", start);
