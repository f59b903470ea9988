// The runs page: newest first, status filter, paging, refreshed every 2 s while visible.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const PAGE = 50;
  let offset = 0;
  const filter = el("select", { id: "status-filter" }, el("option", { value: "" }, "any status"),
    ...["queued", "started", "succeeded", "failed", "canceled"].map((s) => el("option", { value: s }, s)));
  const body = el("tbody", { id: "runs" });
  const pager = el("div", { class: "pager" });
  const error = el("div");
  HW.fill(root, el("h1", {}, "Runs"), el("div", { class: "filters" }, "Status ", filter), error,
    el("table", {}, el("thead", {}, el("tr", {}, ["run", "status", "created", "duration", "selection", "assets", "partition", "tags"].map((h) => el("th", {}, h)))), body),
    pager);
  filter.addEventListener("change", () => { offset = 0; refresh(); });

  async function refresh() {
    const query = `?limit=${PAGE}&offset=${offset}` + (filter.value ? `&status=${filter.value}` : "");
    try {
      const data = await api("/api/runs" + query);
      HW.fill(error);
      HW.fill(body, ...data.runs.map((r) => el("tr", { "data-run": r.run_id },
        el("td", {}, HW.runLink(r.run_id)), el("td", {}, HW.badge(r.status)), el("td", {}, HW.when(r.created_at)),
        el("td", {}, HW.duration(r.duration)), el("td", { class: "mono" }, r.selection), el("td", {}, r.asset_keys.length),
        el("td", {}, r.partition || ""), el("td", {}, Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(" ")))));
      if (!data.runs.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No runs yet: materialize assets from the graph page.")));
      HW.fill(pager, 
        el("button", { disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); refresh(); } }, "Newer"),
        el("span", { class: "muted" }, `${offset + 1}–${offset + data.runs.length}`),
        el("button", { disabled: data.next_offset === null, onclick: () => { offset = data.next_offset; refresh(); } }, "Older"));
    } catch (e) {
      HW.fill(error, HW.errorBox(e.message));
    }
  }
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 2000);
})();
