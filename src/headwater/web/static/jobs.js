// The jobs page: each hw.Job with its selection, tags, asset count and latest run, and a "Launch"
// button that queues a run of the job (POST /api/launch {job}, with the partition typed above the
// table for a partitioned job). Refreshed every 3 s while visible.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const body = el("tbody", { id: "jobs" });
  const error = el("div");
  const note = el("p", { id: "launch-note", class: "muted" });
  // One shared input: the rows are rebuilt every refresh, which would drop text typed into a row.
  const partition = el("input", { id: "job-partition", placeholder: "one partition key, e.g. 2024-01-31" });
  HW.fill(root, el("h1", {}, "Jobs"), el("p", { class: "muted" }, "Named selections, started by schedules, sensors, `headwater materialize --job NAME` or here."),
    error,
    el("div", { class: "form" }, el("label", { for: "job-partition" }, "Partition (for a job of partitioned assets)"), partition),
    note,
    el("table", {}, el("thead", {}, el("tr", {}, ["job", "selection", "assets", "tags", "latest run", ""].map((h) => el("th", {}, h)))), body));

  function launchBody(name) {
    const out = { job: name };
    if (partition.value.trim()) out.partition = partition.value.trim();
    return out;
  }
  function row(j) {
    const run = j.latest_run;
    return el("tr", { "data-job": j.name },
      el("td", {}, el("strong", {}, j.name), j.description ? el("div", { class: "muted" }, j.description) : null),
      el("td", { class: "mono" }, j.select),
      el("td", {}, String(j.assets)),
      el("td", { class: "mono" }, Object.entries(j.tags).map(([k, v]) => `${k}=${v}`).join(" ") || "–"),
      el("td", {}, run ? [HW.runLink(run.run_id), " ", HW.badge(run.status), " ", HW.when(run.created_at)] : "never"),
      el("td", {}, el("button", { class: "primary", "data-launch": j.name, onclick: () => HW.materialize(launchBody(j.name), note) }, "Launch")));
  }
  async function refresh() {
    try {
      const data = await api("/api/jobs");
      HW.fill(error, data.load_error ? HW.errorBox(data.load_error) : null);
      HW.fill(body, data.jobs.map(row));
      if (!data.jobs.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No jobs declared: add Definitions(jobs=[hw.Job(\"name\", select=...)]).")));
    } catch (e) {
      HW.fill(error, HW.errorBox(e.message));
    }
  }
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 3000);
})();
