// The asset catalog: a sortable, filterable table of every asset, drawn a page at a time.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const PAGE = 200;
  let rows = [], sortKey = "key", sortDir = 1, page = 0;
  const text = el("input", { type: "search", id: "filter", placeholder: "Filter by key, group, owner, kind…" });
  const stateFilter = el("select", { id: "state-filter" }, el("option", { value: "" }, "any state"),
    ...Object.keys(HW.STATES).map((s) => el("option", { value: s }, HW.STATES[s])));
  const selectBox = el("input", { type: "text", id: "catalog-select", placeholder: "Selection (optional)" });
  const error = el("div");
  const body = el("tbody", { id: "catalog" });
  const count = el("span", { class: "muted", id: "count" });
  const pager = el("div", { class: "pager" });
  const note = el("p", { id: "catalog-note", class: "muted" });
  const columns = [["key", "key"], ["group", "group"], ["owners", "owners"], ["kinds", "kinds"], ["state", "state"],
    ["last_materialized", "last materialized"], ["checks", "checks"]];
  const head = el("tr", {}, columns.map(([k, label]) => el("th", { class: "sortable", onclick: () => { sortDir = sortKey === k ? -sortDir : 1; sortKey = k; draw(); } }, label)), el("th", {}, ""));
  HW.fill(root, el("h1", {}, "Catalog"),
    el("div", { class: "filters" }, text, stateFilter,
      el("form", { class: "selectform", onsubmit: (e) => { e.preventDefault(); load(); } }, selectBox, el("button", { type: "submit" }, "Apply")), count),
    error, note, el("table", {}, el("thead", {}, head), body), pager);
  text.addEventListener("input", () => { page = 0; draw(); });
  stateFilter.addEventListener("change", () => { page = 0; draw(); });

  // Beside the state: a partitioned asset's partitions (46/336, failed, from older code), overdue.
  function health(r) {
    const p = r.partitions;
    return [
      p ? el("div", { class: "partitions", title: p.text },
        el("strong", {}, `${p.materialized.toLocaleString()}/${p.total.toLocaleString()}`), " partitions",
        p.failed ? el("span", { class: "error-text" }, ` · ${p.failed.toLocaleString()} failed`) : null,
        p.code_changed ? ` · ${p.code_changed.toLocaleString()} stale` : null) : null,
      r.overdue ? el("div", { class: "overdue" }, "overdue") : null,
    ];
  }
  const value = (r, k) => k === "checks" ? r.checks.failed * 1000 + r.checks.passed : Array.isArray(r[k]) ? r[k].join(",") : r[k] ?? "";
  function draw() {
    const q = text.value.trim().toLowerCase(), st = stateFilter.value;
    const shown = rows.filter((r) => (!st || r.state === st) &&
      (!q || [r.key, r.group, r.description, ...r.owners, ...r.kinds].join(" ").toLowerCase().includes(q)));
    shown.sort((a, b) => { const x = value(a, sortKey), y = value(b, sortKey); return (x < y ? -1 : x > y ? 1 : 0) * sortDir; });
    const start = page * PAGE;
    HW.fill(body, ...shown.slice(start, start + PAGE).map((r) => el("tr", { "data-key": r.key },
      el("td", {}, HW.assetLink(r.key), r.description ? el("div", { class: "muted" }, r.description) : null),
      el("td", {}, r.group), el("td", {}, r.owners.join(", ")), el("td", {}, r.kinds.join(", ")), el("td", { class: "state" }, HW.badge(r.state), health(r)),
      el("td", {}, HW.when(r.last_materialized), " ", r.run_id ? HW.runLink(r.run_id) : ""),
      el("td", {}, r.checks.declared ? `${r.checks.passed} passed, ${r.checks.failed} failed of ${r.checks.declared}` : "–"),
      el("td", {}, r.source ? null : el("button", { "data-materialize": r.key, onclick: () => HW.materialize(r.key, note) }, "Materialize")))));
    count.textContent = `${shown.length} of ${rows.length} assets`;
    HW.fill(pager, 
      el("button", { disabled: page === 0, onclick: () => { page--; draw(); } }, "Previous"),
      el("span", { class: "muted" }, `page ${page + 1} of ${Math.max(1, Math.ceil(shown.length / PAGE))}`),
      el("button", { disabled: start + PAGE >= shown.length, onclick: () => { page++; draw(); } }, "Next"));
  }
  async function load() {
    const sel = selectBox.value.trim();
    try {
      const data = await api("/api/assets" + (sel ? "?select=" + encodeURIComponent(sel) : ""));
      rows = data.assets;
      HW.fill(error, ...(data.load_error ? [HW.errorBox(data.load_error)] : []));
      page = 0;
      draw();
    } catch (e) {
      HW.fill(error, HW.errorBox(e.message));
    }
  }
  load();
})();
