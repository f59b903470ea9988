// One run: status, step timeline (Gantt), errors with tracebacks, and the live event log
// (streamed as server-sent events until the run ends), with level filter and search.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const runId = root.dataset.run;
  let after = 0;
  const events = [];
  const head = el("div", { id: "run-head" });
  const gantt = el("div", { id: "gantt" });
  const errors = el("div", { id: "errors" });
  const level = el("select", { id: "level" }, ["all", "info", "warning", "error"].map((l) => el("option", { value: l }, l)));
  const search = el("input", { type: "search", id: "log-search", placeholder: "Search events…" });
  const rows = el("tbody", { id: "events" });
  const logs = el("div", { id: "logs" });
  HW.fill(root, head, el("h3", {}, "Steps"), gantt, errors,
    el("h3", {}, "Event log"), el("div", { class: "filters" }, "Level ", level, search),
    el("div", { class: "log" }, el("table", {}, el("thead", {}, el("tr", {}, ["time", "level", "event", "step", "asset", "details"].map((h) => el("th", {}, h)))), rows)),
    el("h3", {}, "Captured output"), logs);
  level.addEventListener("change", drawEvents);
  search.addEventListener("input", drawEvents);

  function details(e) {
    const d = e.data;
    if (d.error) return d.error;
    if (e.type === "check_evaluated") return `${d.check}: ${d.passed ? "passed" : "failed"}`;
    if (d.metadata) return Object.entries(d.metadata).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
    if (d.reason) return d.reason;
    return "";
  }
  function drawEvents() {
    const lv = level.value, q = search.value.trim().toLowerCase();
    const order = { info: 0, warning: 1, error: 2 };
    const shown = events.filter((e) => (lv === "all" || order[e.level] >= order[lv]) &&
      (!q || JSON.stringify(e).toLowerCase().includes(q)));
    HW.fill(rows, ...shown.map((e) => el("tr", { class: e.level },
      el("td", {}, HW.when(e.timestamp)), el("td", {}, e.level), el("td", {}, e.type), el("td", {}, e.step_key || ""),
      el("td", {}, e.asset_key ? HW.assetLink(e.asset_key) : ""), el("td", {}, details(e)))));
  }

  function drawGantt(run) {
    const steps = run.steps.filter((s) => s.start);
    if (!steps.length) { HW.fill(gantt, el("p", { class: "muted" }, "No step has started yet.")); return; }
    const t0 = Math.min(...steps.map((s) => s.start));
    const now = Date.now() / 1000;
    const t1 = Math.max(...steps.map((s) => s.end || now), t0 + 0.001);
    const W = 900, LABEL = 220, H = 20;
    const svg = el("svg", { class: "gantt", viewBox: `0 0 ${W} ${steps.length * H + 20}`, role: "img" });
    steps.forEach((s, i) => {
      const x = LABEL + ((s.start - t0) / (t1 - t0)) * (W - LABEL - 10);
      const w = Math.max(2, (((s.end || now) - s.start) / (t1 - t0)) * (W - LABEL - 10));
      svg.append(el("text", { x: 4, y: i * H + 14 }, s.step.length > 32 ? "…" + s.step.slice(-31) : s.step),
        el("rect", { class: `bar ${s.status}`, x, y: i * H + 3, width: w, height: H - 6, rx: 2 },
          el("title", {}, `${s.step}: ${s.status}, ${HW.duration(s.end ? s.end - s.start : null)}`)));
    });
    svg.append(el("text", { x: LABEL, y: steps.length * H + 14 }, "0"), el("text", { x: W - 60, y: steps.length * H + 14 }, HW.duration(t1 - t0)));
    HW.fill(gantt, svg);
  }

  async function refreshRun() {
    const run = await api("/api/runs/" + encodeURIComponent(runId));
    const job = run.tags["headwater/job"] || run.tags["headwater.job"];
    HW.fill(head, el("h1", {}, "Run ", el("span", { class: "mono" }, run.run_id), " ", el("span", { id: "run-status" }, HW.badge(run.status))),
      run.parent_run_id ? el("p", { class: "muted", id: "parent-run" }, "re-execution of ", HW.runLink(run.parent_run_id)) : null,
      el("dl", {}, el("dt", {}, "selection"), el("dd", { class: "mono" }, run.selection),
        el("dt", {}, "assets"), el("dd", {}, run.asset_keys.length),
        el("dt", {}, "created"), el("dd", {}, HW.when(run.created_at)),
        el("dt", {}, "duration"), el("dd", {}, HW.duration(run.duration)),
        el("dt", {}, "partition"), el("dd", {}, run.partition || "–"),
        job ? [el("dt", {}, "job"), el("dd", { id: "run-job" }, el("a", { href: "/jobs" }, job))] : null,
        el("dt", {}, "tags"), el("dd", {}, Object.entries(run.tags).map(([k, v]) => `${k}=${v}`).join(" ") || "–"),
        run.error ? [el("dt", {}, "error"), el("dd", { class: "error" }, run.error)] : null),
      el("div", { class: "actions" },
        ["failed", "canceled"].includes(run.status) ? el("button", { id: "reexecute", class: "primary", onclick: () => fromFailure(run) }, "Re-execute from failure") : null,
        el("button", { id: "rerun", onclick: () => HW.materialize(run.selection, note) }, "Re-execute all"), note));
    drawGantt(run);
    HW.fill(errors, ...(run.errors.length ? [el("h3", {}, "Errors"), ...run.errors.map((e) => el("div", { class: "card" },
      el("strong", {}, e.step || "run"), HW.errorBox(e.error || ""), e.traceback ? el("details", {}, el("summary", {}, "traceback"), el("pre", {}, e.traceback)) : null))] : []));
    return run;
  }
  const note = el("span", { id: "run-note", class: "muted" });

  async function fromFailure(run) {
    const say = (text, cls) => { note.className = cls || "muted"; note.textContent = text; };
    say("re-executing from failure…");
    try { await HW.follow(await api(`/api/runs/${encodeURIComponent(run.run_id)}/reexecute`, {}), say); }
    catch (e) { say(e.message, "error"); }
  }

  async function refreshLogs() {
    const data = await api(`/api/runs/${encodeURIComponent(runId)}/logs`);
    const byStep = new Map();
    for (const c of data.logs) byStep.set(c.step, (byStep.get(c.step) || "") + c.text);
    HW.fill(logs, ...(byStep.size ? [...byStep].map(([s, t]) => el("div", {}, el("strong", {}, s), el("pre", {}, t))) : [el("p", { class: "muted" }, "No output captured.")]));
  }

  // Live: server-sent events from /events/stream (EventSource resumes after its last event id
  // when the connection drops); the log, header, timeline and errors are redrawn at most every 0.5 s.
  let pending = null;
  function redraw() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; drawEvents(); refreshRun().catch((e) => HW.fill(head, HW.errorBox(e.message))); }, 500);
  }
  function follow() {
    const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events/stream?after=${after}`);
    source.onmessage = (message) => {
      const e = JSON.parse(message.data);
      if (e.id <= after) return;
      events.push(e);
      after = e.id;
      redraw();
    };
    source.addEventListener("end", async () => {
      source.close();
      clearTimeout(pending);
      pending = null;
      try { await refreshRun(); await refreshLogs(); drawEvents(); } catch (e) { HW.fill(head, HW.errorBox(e.message)); }
    });
  }
  refreshRun().then(follow).catch((e) => HW.fill(head, HW.errorBox(e.message)));
})();
