// The launch page: a job or a selection (with the count of matched assets shown as you type),
// partitions (a key runs once; START...END or a list starts a backfill) and run config as JSON,
// checked against the selected assets' config models before the Launch button is enabled.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const params = new URLSearchParams(window.location.search);
  const job = el("select", { id: "launch-job" }, el("option", { value: "" }, "none: use the selection below"));
  const select = el("input", { id: "launch-select", class: "wide", value: params.get("select") || "*", placeholder: "e.g. +mart/revenue or group:finance" });
  const partition = el("input", { id: "launch-partition", class: "wide", value: params.get("partition") || "", placeholder: "KEY, START...END or a comma-separated list" });
  const config = el("textarea", { id: "launch-config", rows: 6, placeholder: '{"asset_name": {"field": "value"}}' });
  const count = el("div", { id: "launch-count", class: "muted" });
  const parts = el("div", { id: "launch-partitions", class: "muted" });
  const schemas = el("div", { id: "launch-schemas" });
  const problems = el("div", { id: "launch-problems" });
  const go = el("button", { id: "launch-go", class: "primary", disabled: true }, "Launch");
  const note = el("span", { id: "launch-status", class: "muted" });
  HW.fill(root, el("h1", {}, "Launch"),
    el("div", { class: "form" },
      el("label", { for: "launch-job" }, "Job"), job,
      el("label", { for: "launch-select" }, "Selection"), select, count,
      el("label", { for: "launch-partition" }, "Partitions"), partition, parts,
      el("label", { for: "launch-config" }, "Run config (JSON)"), config, schemas),
    problems, el("div", { class: "actions" }, go, note));

  function body() {
    // A job brings its own selection (the API refuses both), so the selection field is ignored.
    const out = job.value ? { job: job.value } : { select: select.value.trim() || "*" };
    if (partition.value.trim()) out.partition = partition.value.trim();
    const text = config.value.trim();
    if (text) {
      try { out.config = JSON.parse(text); } catch (e) { throw new Error(`run config is not valid JSON: ${e.message}`); }
      if (typeof out.config !== "object" || Array.isArray(out.config) || out.config === null) {
        throw new Error('run config must be a JSON object of asset name -> fields, e.g. {"model": {"rate": 0.1}}');
      }
    }
    return out;
  }

  let asked = 0;
  async function check() {
    const mine = ++asked;
    go.disabled = true;
    let request;
    try { request = body(); } catch (e) { HW.fill(problems, HW.errorBox(e.message)); return; }
    try {
      const c = await api("/api/launch/check", request);
      if (mine !== asked) return;
      HW.fill(count, `${c.assets} asset${c.assets === 1 ? "" : "s"} match: `, c.keys.slice(0, 20).join(", "), c.assets > 20 ? " …" : "");
      const p = c.partitions;
      HW.fill(parts, p ? `${p.assets.length} partitioned (${p.definition}): ${p.total} partitions, ${p.first} to ${p.last}` +
        (p.selected !== null ? `; ${p.selected} selected` : "") + (c.kind === "backfill" ? " — launches a backfill, one run per partition" : "") : "no partitioned asset selected");
      HW.fill(schemas, Object.entries(c.config_schemas).map(([name, schema]) => el("div", { class: "muted" },
        `config of ${name}: `, Object.entries(schema.properties || {}).map(([f, s]) => `${f} (${s.type || "any"}${(schema.required || []).includes(f) ? ", required" : ""})`).join(", "))));
      HW.fill(problems, c.problems.map((text) => HW.errorBox(text)));
      go.disabled = c.problems.length > 0;
    } catch (e) {
      if (mine !== asked) return;
      HW.fill(count);
      HW.fill(problems, HW.errorBox(e.message));
    }
  }
  const later = HW.debounce(check, 250);
  for (const input of [select, partition, config]) input.addEventListener("input", later);
  job.addEventListener("change", () => { select.disabled = Boolean(job.value); check(); });
  go.addEventListener("click", () => { go.disabled = true; HW.materialize(body(), note); });

  // The job picker is filled once; a ?job=NAME in the address preselects that job.
  async function loadJobs() {
    try {
      const data = await api("/api/jobs");
      job.append(...data.jobs.map((j) => el("option", { value: j.name }, `${j.name} (${j.select})`)));
      const wanted = params.get("job");
      if (wanted && data.jobs.some((j) => j.name === wanted)) { job.value = wanted; select.disabled = true; }
    } catch (e) {
      HW.fill(problems, HW.errorBox(`could not list jobs: ${e.message}`));
    }
  }
  loadJobs().then(check);
})();
