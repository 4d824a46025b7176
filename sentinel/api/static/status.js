// Sentinel status page: polls /v1/status and fills the page with common.js's helpers
// (all text through textContent, so nothing from the API is ever parsed as HTML).
"use strict";

// Calls per content safety category (categories and counts only, never matched text).
function renderFlagged(flagged, calls) {
  const entries = Object.entries(flagged).sort((a, b) => b[1] - a[1]);
  document.getElementById("flagged").replaceChildren(
    ...entries.map(([category, n]) => {
      const li = document.createElement("li");
      li.textContent = category + ": " + n + " calls (" + fmt.pct(calls ? n / calls : null) + ")";
      return li;
    })
  );
  document.getElementById("flagged-none").hidden = entries.length > 0;
}

// Today's spend, the 7-day trend (one figure per day, oldest first) and the cache.
function renderSpend(sp) {
  if (!sp) return;
  const money = (x) => x.toFixed(x >= 1 ? 2 : 4) + " " + sp.currency;
  setText("spend-today", money(sp.today));
  setText("spend-trend", sp.trend.map((d) => d.cost.toFixed(2)).join(" · "));
  setText("spend-hit", fmt.pct(sp.cache_hit_ratio_7d));
  setText("spend-saved", money(sp.cache_savings_7d));
}

const labelText = (labels) => Object.entries(labels || {}).map(([k, v]) => k + "=" + v).join(", ");

function render(s) {
  const t = s.traffic;
  setText("window", s.window);
  setText("updated", fmt.time(s.generated_at));
  setText("refresh", String(s.refresh_seconds));
  const storeState = document.getElementById("store-state");
  storeState.textContent = s.store + (s.store_up ? " up" : " DOWN");
  storeState.className = "pill " + (s.store_up ? "ok" : "bad");

  setText("success-rate", fmt.pct(t.success_rate));
  setText("calls", fmt.int(t.calls));
  setText("errors", fmt.int(t.errors));
  setText("p50", fmt.ms(t.latency.p50_ms));
  setText("p95", fmt.ms(t.latency.p95_ms));
  setText("p99", fmt.ms(t.latency.p99_ms));
  setText("rate-limited", fmt.int(t.rate_limited));
  setText("circuit-open", fmt.int(t.circuit_open));
  setText("retried", fmt.int(t.retried));
  setText("retries", fmt.int(t.retries));
  setText("failed-over", fmt.int(t.failed_over));
  setText("failovers", fmt.int(t.failovers));
  renderFlagged(t.content_flagged || {}, t.calls);
  renderSpend(s.spend);
  document.getElementById("card-success").className =
    "card " + (t.success_rate === null ? "" : t.success_rate >= 0.95 ? "ok" : "bad");

  const a = s.anonymization;
  setText("backlog", a.any_raw ? fmt.duration(a.oldest_raw_age_seconds) : "none");
  setText("deadline", fmt.duration(a.deadline_seconds));
  const kept = s.calls_retention_seconds;
  setText("calls-retention", kept === null ? "forever" : fmt.duration(kept));
  document.getElementById("card-backlog").className = "card " + (a.overdue ? "bad" : "ok");

  setText("alert-count", String(s.alerts.length));
  fillTable(
    "alerts",
    s.alerts.map((x) => ({
      attrs: { alertname: x.alertname, state: x.state },
      cells: [
        x.alertname,
        { text: x.state, cls: "state " + x.state },
        x.severity || "",
        labelText(x.labels),
        fmt.time(x.active_at),
        x.summary || "",
      ],
    })),
    "no-alerts"
  );
  fillTable(
    "alert-changes",
    s.recent_alert_changes.map((x) => ({
      attrs: { alertname: x.alertname, state: x.state },
      cells: [fmt.time(x.timestamp), x.alertname, { text: x.state, cls: "state " + x.state }, x.severity || "",
              labelText(x.labels)],
    }))
  );
  fillTable(
    "gdpr",
    s.gdpr.map((g) => ({
      attrs: { kind: g.kind, status: g.status },
      cells: [g.age_seconds === null ? "–" : fmt.duration(g.age_seconds) + " ago", g.kind,
              { text: g.status, cls: "state " + g.status }, fmt.int(g.records),
              g.took_seconds === null ? "–" : fmt.duration(g.took_seconds)],
    })),
    "no-gdpr"
  );
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const window_ = new URLSearchParams(location.search).get("window") || "1h";
    const response = await fetch("/v1/status?window=" + encodeURIComponent(window_), { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    error.hidden = true;
    document.body.dataset.loaded = "true";
  } catch (e) {
    error.textContent = "Could not load /v1/status: " + e.message;
    error.hidden = false;
  }
}

async function loop() {
  await refresh();
  const seconds = Number(document.getElementById("refresh").textContent) || 5;
  setTimeout(loop, seconds * 1000);
}
document.addEventListener("DOMContentLoaded", loop);
