// The runs page: newest first, status filter, keyset paging (as fast deep in 100,000 runs as on
// the first page), refreshed every 2 s while visible.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const PAGE = 50;
  const cursors = [null];  // the cursor of each page seen so far; the last is the current page
  const filter = el("select", { id: "status-filter" }, el("option", { value: "" }, "any status"),
    ...["queued", "started", "succeeded", "failed", "canceled"].map((s) => el("option", { value: s }, s)));
  const body = el("tbody", { id: "runs" });
  const pager = el("div", { class: "pager" });
  const error = el("div");
  HW.fill(root, el("h1", {}, "Runs"), el("div", { class: "filters" }, "Status ", filter), error,
    el("table", {}, el("thead", {}, el("tr", {}, ["run", "status", "created", "duration", "selection", "assets", "partition", "tags"].map((h) => el("th", {}, h)))), body),
    pager);
  filter.addEventListener("change", () => { cursors.length = 1; refresh(); });

  async function refresh() {
    const cursor = cursors[cursors.length - 1];
    const query = `?limit=${PAGE}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "") + (filter.value ? `&status=${filter.value}` : "");
    try {
      const data = await api("/api/runs" + query);
      HW.fill(error);
      HW.fill(body, ...data.runs.map((r) => el("tr", { "data-run": r.run_id },
        el("td", {}, HW.runLink(r.run_id)), el("td", {}, HW.badge(r.status)), el("td", {}, HW.when(r.created_at)),
        el("td", {}, HW.duration(r.duration)), el("td", { class: "mono" }, r.selection), el("td", {}, r.asset_keys.length),
        el("td", {}, r.partition || ""), el("td", {}, Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(" ")))));
      if (!data.runs.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No runs yet: materialize assets from the graph page.")));
      HW.fill(pager, 
        el("button", { id: "newer", disabled: cursors.length === 1, onclick: () => { cursors.pop(); refresh(); } }, "Newer"),
        el("span", { class: "muted", id: "page-range" }, `${(cursors.length - 1) * PAGE + 1}–${(cursors.length - 1) * PAGE + data.runs.length}`),
        el("button", { id: "older", disabled: data.next_cursor === null, onclick: () => { cursors.push(data.next_cursor); refresh(); } }, "Older"));
    } catch (e) {
      HW.fill(error, HW.errorBox(e.message));
    }
  }
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 2000);
})();
