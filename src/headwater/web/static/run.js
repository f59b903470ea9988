// One run: status, step timeline (Gantt), errors with tracebacks, the live event log (streamed as
// server-sent events until the run ends) with level filter and search, and the captured output,
// followed while steps run. Cancel stops it before its next step; Terminate stops the running step.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const runId = root.dataset.run;
  let after = 0, logsAfter = 0, lastRun = null;
  const events = [];
  const output = new Map();  // step -> its <pre>, lines appended as chunks arrive
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
      el("td", {}, HW.when(e.timestamp, true)), el("td", {}, e.level), el("td", {}, e.type), el("td", {}, e.step_key || ""),
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
          el("title", {}, `${s.step}: ${s.status}, ${s.end ? HW.duration(s.end - s.start) : HW.duration(now - s.start) + " so far"}`)));
    });
    svg.append(el("text", { x: LABEL, y: steps.length * H + 14 }, "0"), el("text", { id: "gantt-span", x: W - 10, y: steps.length * H + 14, "text-anchor": "end" }, HW.duration(t1 - t0)));
    HW.fill(gantt, svg);
  }

  // A running step's bar grows with the clock between events.
  const ticker = setInterval(() => { if (lastRun && !finished(lastRun)) drawGantt(lastRun); }, 1000);
  const finished = (run) => !["queued", "started"].includes(run.status);

  async function refreshRun() {
    const run = await api("/api/runs/" + encodeURIComponent(runId));
    lastRun = run;
    const job = run.tags["headwater/job"] || run.tags["headwater.job"];
    HW.fill(head, el("h1", {}, "Run ", el("span", { class: "mono" }, run.run_id), " ", el("span", { id: "run-status" }, HW.badge(run.status))),
      run.parent_run_id ? el("p", { class: "muted", id: "parent-run" }, "re-execution of ", HW.runLink(run.parent_run_id)) : null,
      el("dl", {}, el("dt", {}, "selection"), el("dd", { class: "mono" }, run.selection),
        el("dt", {}, "assets"), el("dd", {}, run.asset_keys.length),
        el("dt", {}, "created"), el("dd", {}, HW.when(run.created_at)),
        el("dt", {}, "duration"), el("dd", {}, HW.duration(run.duration)),
        el("dt", {}, "partition"), el("dd", {}, run.partition || "–"),
        el("dt", {}, "launched by"), el("dd", { id: "run-launched-by" }, run.launched_by || "a command or script"),
        job ? [el("dt", {}, "job"), el("dd", { id: "run-job" }, el("a", { href: "/jobs" }, job))] : null,
        el("dt", {}, "tags"), el("dd", {}, Object.entries(run.tags).map(([k, v]) => `${k}=${v}`).join(" ") || "–"),
        run.error ? [el("dt", {}, "error"), el("dd", { class: "error" }, run.error)] : null),
      el("div", { class: "actions" },
        ["failed", "canceled"].includes(run.status) ? el("button", { id: "reexecute", class: "primary", onclick: () => fromFailure(run) }, "Re-execute from failure") : null,
        el("button", { id: "rerun", onclick: () => HW.materialize(run.selection, note) }, "Re-execute all"),
        finished(run) ? null : [
          el("button", { id: "cancel", title: "Start no more steps; the running step goes on to its end", onclick: () => stop("cancel") }, "Cancel"),
          el("button", { id: "terminate", class: "danger", title: "Stop the running step and the processes it started now", onclick: () => stop("terminate") }, "Terminate")],
        note));
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

  async function stop(how) {
    const say = (text, cls) => { note.className = cls || "muted"; note.textContent = text; };
    if (how === "terminate" && !window.confirm("Terminate this run now? Its running step and the processes it started are stopped.")) return;
    say(how === "cancel" ? "canceling: no more steps start…" : "terminating…");
    try {
      const done = await api(`/api/runs/${encodeURIComponent(runId)}/${how}`, {});
      say(how === "cancel" ? "cancel requested: the run stops before its next step" : `terminated (${done.status})`);
      await refreshRun();
    } catch (e) { say(e.message, "error"); }
  }

  // Captured output arrives in chunks while a step runs: each line shows when its chunk was stored.
  async function refreshLogs() {
    const data = await api(`/api/runs/${encodeURIComponent(runId)}/logs?after=${logsAfter}`);
    for (const c of data.logs) {
      if (c.id <= logsAfter) continue;
      logsAfter = c.id;
      let pre = output.get(c.step);
      if (!pre) {
        pre = el("pre", { class: "output", "data-step": c.step });
        output.set(c.step, pre);
        logs.append(el("div", {}, el("strong", {}, c.step), pre));
      }
      const stamp = HW.when(c.timestamp, true).slice(11);
      for (const line of c.text.replace(/\n$/, "").split("\n")) pre.append(el("span", { class: "ts" }, stamp), " ", line, "\n");
    }
    const empty = logs.querySelector(".no-output");
    if (output.size && empty) empty.remove();
    if (!output.size && !empty) logs.append(el("p", { class: "muted no-output" }, data.finished ? "No output captured." : "No output yet."));
    else if (empty && data.finished) empty.textContent = "No output captured.";
    return data.finished;
  }
  // While the run goes on, its output is fetched every half second (only the new chunks).
  async function followLogs() {
    for (;;) {
      let done = true;
      try { done = await refreshLogs(); } catch (e) { done = false; }
      if (done) return;
      await new Promise((r) => setTimeout(r, 500));
    }
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
      clearInterval(ticker);
      try { await refreshRun(); await refreshLogs(); drawEvents(); } catch (e) { HW.fill(head, HW.errorBox(e.message)); }
    });
  }
  refreshRun().then(() => { follow(); followLogs(); }).catch((e) => HW.fill(head, HW.errorBox(e.message)));
})();
