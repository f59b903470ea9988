// One asset, in tabs kept in the URL (?tab=): overview (description, "why is this stale?", latest
// metadata, numeric metadata plotted over time with a time axis and tooltips), partitions (status
// grid), checks and their history, lineage and columns (column-level lineage), the materialization
// history in pages with a diff of two of them, and automation (condition, freshness, evaluations).
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const key = root.dataset.key;
  const apiPath = "/api/assets/" + key.split("/").map(encodeURIComponent).join("/");

  // A line plot with a time axis (first, middle and last time) and a tooltip naming the nearest point.
  function plot(name, points) {
    const W = 360, H = 150, L = 44, R = 12, T = 10, B = 30;
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const sx = (x) => L + (x1 === x0 ? (W - L - R) / 2 : ((x - x0) / (x1 - x0)) * (W - L - R));
    const sy = (y) => H - B - (y1 === y0 ? (H - T - B) / 2 : ((y - y0) / (y1 - y0)) * (H - T - B));
    const short = (t) => HW.when(t).slice(5, 16);
    const ticks = x1 === x0 ? [x0] : [x0, (x0 + x1) / 2, x1];
    const guide = el("line", { class: "guide", x1: 0, y1: T, x2: 0, y2: H - B, visibility: "hidden" });
    const tip = el("div", { class: "plot-tip", hidden: true });
    const svg = el("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${name} over time`, "data-metric": name },
      el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }), el("line", { x1: L, y1: T, x2: L, y2: H - B }),
      ticks.flatMap((t, i) => [el("line", { x1: sx(t), y1: H - B, x2: sx(t), y2: H - B + 4 }),
        el("text", { class: "x-tick", x: sx(t), y: H - B + 15, "text-anchor": ["start", "middle", "end"][ticks.length === 1 ? 1 : i] }, short(t))]),
      el("text", { x: L - 4, y: sy(y1) + 3, "text-anchor": "end" }, String(+y1.toPrecision(4))),
      y1 !== y0 ? el("text", { x: L - 4, y: sy(y0) + 3, "text-anchor": "end" }, String(+y0.toPrecision(4))) : null,
      el("text", { class: "axis-label", x: (L + W - R) / 2, y: H - 2, "text-anchor": "middle" }, "time"),
      guide,
      el("polyline", { points: points.map((p) => `${sx(p[0])},${sy(p[1])}`).join(" ") }),
      ...points.map((p) => el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 2.5 }, el("title", {}, `${HW.when(p[0])}: ${p[1]}`))));
    svg.addEventListener("mousemove", (ev) => {
      const box = svg.getBoundingClientRect();
      const x = ((ev.clientX - box.left) / box.width) * W;
      let best = points[0];
      for (const p of points) if (Math.abs(sx(p[0]) - x) < Math.abs(sx(best[0]) - x)) best = p;
      guide.setAttribute("x1", sx(best[0])); guide.setAttribute("x2", sx(best[0])); guide.setAttribute("visibility", "visible");
      tip.textContent = `${HW.when(best[0])}  ${name} = ${best[1]}`;
      tip.hidden = false;
      tip.style.left = `${(sx(best[0]) / W) * 100}%`;
    });
    svg.addEventListener("mouseleave", () => { tip.hidden = true; guide.setAttribute("visibility", "hidden"); });
    return el("div", { class: "card plot-card" }, el("strong", {}, name), el("span", { class: "muted" }, ` latest ${ys[ys.length - 1]}`), el("div", { class: "plot-wrap" }, svg, tip));
  }

  // A reason names another asset when its kind is one the server lists as upstream (the kinds are
  // the server's, not copied here) or its asset is not this one: that asset's page is linked.
  function causedBy(a, r) {
    return a.upstream_reason_kinds.includes(r.kind) || r.asset !== a.key;
  }

  const TABS = [["overview", "Overview"], ["partitions", "Partitions"], ["checks", "Checks"],
    ["lineage", "Lineage and columns"], ["history", "History"], ["automation", "Automation"]];
  const panels = {}, tabs = {}, loaders = {}, loaded = new Set();
  function tabFromUrl() {
    const q = new URLSearchParams(window.location.search);
    const t = q.get("tab");
    if (TABS.some(([n]) => n === t)) return t;
    return q.get("column") ? "lineage" : "overview";
  }
  function show(name, push) {
    for (const [n] of TABS) {
      panels[n].hidden = n !== name;
      tabs[n].setAttribute("aria-selected", String(n === name));
      tabs[n].tabIndex = n === name ? 0 : -1;
    }
    if (push) {
      const q = new URLSearchParams(window.location.search);
      if (name === "overview") q.delete("tab"); else q.set("tab", name);
      const text = q.toString();
      window.history.pushState(null, "", window.location.pathname + (text ? "?" + text : ""));
    }
    if (loaders[name] && !loaded.has(name)) { loaded.add(name); loaders[name](); }
  }
  window.addEventListener("popstate", () => show(tabFromUrl(), false));

  function checkLatest(c) {
    if (!c.latest) return "not run";
    const outcome = c.latest.outcome || (c.latest.passed ? "passed" : "failed");
    return [HW.badge(outcome), " ", HW.when(c.latest.timestamp), " ", HW.runLink(c.latest.run_id)];
  }

  function draw(a) {
    const note = el("span", { id: "asset-status", class: "muted" });
    const latest = a.latest;
    const meta = latest && latest.data.metadata ? Object.entries(latest.data.metadata) : [];
    const series = Object.entries(a.series).filter(([, pts]) => pts.length > 0);
    const overdue = a.freshness && a.freshness.status === "overdue";
    const health = a.partition_health;
    const bar = el("div", { class: "tabs", role: "tablist", "aria-label": "Asset sections" }, TABS.map(([n, label]) => {
      tabs[n] = el("button", { role: "tab", id: "tab-" + n, "data-tab": n, "aria-controls": "panel-" + n, onclick: () => show(n, true),
        onkeydown: (e) => {
          const i = TABS.findIndex(([m]) => m === n), d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
          if (d) { const next = TABS[(i + d + TABS.length) % TABS.length][0]; show(next, true); tabs[next].focus(); }
        } }, label);
      return tabs[n];
    }));
    for (const [n] of TABS) panels[n] = el("section", { id: "panel-" + n, role: "tabpanel", "aria-labelledby": "tab-" + n, hidden: true });
    HW.fill(root,
      el("h1", {}, a.key, " ", HW.badge(a.state),
        overdue ? [" ", el("span", { id: "overdue", class: "flag overdue", title: a.freshness.text }, "overdue")] : null,
        health ? [" ", el("span", { id: "partition-health", class: "flag", title: health.text }, `${health.materialized}/${health.total} partitions`)] : null),
      a.description ? el("p", {}, a.description) : null,
      el("div", { class: "actions" },
        el("button", { class: "primary", id: "materialize", onclick: () => HW.materialize(a.key, note) }, "Materialize"),
        el("button", { onclick: () => HW.materialize("+" + a.key, note) }, "With upstream"),
        el("button", { onclick: () => HW.materialize(a.key + "+", note) }, "With downstream"), note),
      bar, TABS.map(([n]) => panels[n]));

    HW.fill(panels.overview,
      a.stale_reasons.length ? el("div", { class: "card reasons", id: "stale" },
        el("h3", {}, a.stale_reasons.every((r) => r.kind === "overdue") ? "Overdue" : "Why is this stale?"),
        el("ul", {}, a.stale_reasons.map((r) => el("li", {}, r.text, " ", causedBy(a, r) ? HW.assetLink(r.asset) : "")))) : null,
      el("div", { class: "cards" },
        el("div", { class: "card" }, el("h3", {}, "About"), el("dl", {},
          el("dt", {}, "group"), el("dd", {}, a.group), el("dt", {}, "kinds"), el("dd", {}, a.kinds.join(", ") || "–"),
          el("dt", {}, "owners"), el("dd", {}, a.owners.join(", ") || "–"), el("dt", {}, "code version"), el("dd", {}, a.code_version || "–"),
          el("dt", {}, "tags"), el("dd", {}, Object.entries(a.tags).map(([k, v]) => `${k}=${v}`).join(" ") || "–"),
          el("dt", {}, "defined at"), el("dd", { class: "mono" }, a.site || "–"),
          el("dt", {}, "last materialized"), el("dd", {}, latest ? [HW.when(latest.timestamp), " ", HW.runLink(latest.run_id)] : "never"),
          a.freshness ? [el("dt", {}, "freshness"), el("dd", { id: "freshness" }, a.freshness.text)] : null)),
        el("div", { class: "card" }, el("h3", {}, "Latest metadata"), meta.length ? el("dl", {}, meta.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-name": k }, HW.metadataValue(v))])) : el("p", { class: "muted" }, "none"))),
      series.length ? [el("h3", {}, "Metadata over time"), el("div", { class: "cards", id: "plots" }, series.map(([n, pts]) => plot(n, pts)))] : null);

    HW.fill(panels.partitions, a.partition_grid ? partitionGrid(a.partition_grid, a.partition_status.definition) : el("p", { class: "muted" }, "Not partitioned."));

    HW.fill(panels.checks, el("h3", {}, "Checks"),
      a.checks.length ? el("table", { id: "checks" }, el("tr", {}, ["check", "blocking", "severity", "latest"].map((h) => el("th", {}, h))),
        a.checks.map((c) => el("tr", { "data-check": c.name }, el("td", {}, c.name, c.description ? el("div", { class: "muted" }, c.description) : null),
          el("td", {}, c.blocking ? "yes" : "no"), el("td", {}, c.severity), el("td", { class: "check-latest" }, checkLatest(c))))) : el("p", { class: "muted" }, "No checks declared."),
      a.check_history.length ? [el("h3", {}, `Check history (latest ${a.check_history.length})`),
        el("table", { id: "check-history" }, a.check_history.map((e) => el("tr", {}, el("td", {}, HW.when(e.timestamp)), el("td", {}, e.check),
          el("td", {}, HW.badge(e.data.outcome || (e.data.passed ? "passed" : "failed"))), el("td", {}, HW.runLink(e.run_id)))))] : null);

    HW.fill(panels.lineage,
      el("div", { class: "cards" }, el("div", { class: "card" }, el("h3", {}, `Upstream (${a.upstream.length})`), el("ul", { class: "lineage" }, a.upstream.map((k) => el("li", { "data-key": k }, HW.assetLink(k))))),
        el("div", { class: "card" }, el("h3", {}, `Downstream (${a.downstream.length})`), el("ul", { class: "lineage" }, a.downstream.map((k) => el("li", { "data-key": k }, HW.assetLink(k)))))),
      el("section", { id: "columns" }, el("h3", {}, "Columns"), el("p", { class: "muted" }, "Loading…")));
    loaders.lineage = loadColumns;
    loaders.history = () => historyTab(a, panels.history);
    loaders.automation = () => automationTab(a, panels.automation);
    show(tabFromUrl(), false);
  }

  // History in pages of 50, newest first (the API pages by event id); pick two rows to compare.
  const PAGE = 50;
  function historyTab(a, box) {
    const pages = [null];  // the ``before`` of each page seen; the last is the one shown
    const rows = el("tbody", {}), range = el("span", { id: "history-range", class: "muted" });
    const newer = el("button", { id: "newer", onclick: () => { pages.pop(); load(); } }, "Newer");
    const older = el("button", { id: "older" }, "Older");
    const compareBar = el("div", { class: "actions" }, el("button", { id: "compare", onclick: () => compare(a.key) }, "Compare A with B"),
      el("span", { class: "muted" }, " pick two materializations below"));
    HW.fill(box, el("h3", {}, "History"), compareBar, el("div", { id: "diff" }),
      el("table", { id: "history" }, el("thead", {}, el("tr", {}, ["A", "B", "time", "run", "partition", "metadata"].map((h) => el("th", {}, h)))), rows),
      el("div", { class: "pager" }, newer, older, range));
    let next = null;
    older.addEventListener("click", () => { if (next !== null) { pages.push(next); load(); } });
    async function load() {
      const before = pages[pages.length - 1];
      try {
        const q = new URLSearchParams({ limit: PAGE });
        if (before !== null) q.set("before", before);
        const h = await api(`${apiPath}/history?${q}`);
        next = h.next_before;
        const first = (pages.length - 1) * PAGE;
        HW.fill(rows, h.history.map((e, i) => el("tr", {},
          el("td", {}, el("input", { type: "radio", name: "diff-a", value: e.run_id, checked: first + i === 1 })),
          el("td", {}, el("input", { type: "radio", name: "diff-b", value: e.run_id, checked: first + i === 0 })),
          el("td", {}, HW.when(e.timestamp)), el("td", {}, HW.runLink(e.run_id)), el("td", {}, e.partition || ""),
          el("td", { class: "mono" }, e.data.metadata ? JSON.stringify(e.data.metadata) : ""))));
        range.textContent = h.history.length ? `${first + 1}\u2013${first + h.history.length}` : "no materializations yet";
        newer.disabled = pages.length === 1;
        older.disabled = next === null;
        compareBar.hidden = first + h.history.length < 2;
      } catch (e) { HW.fill(rows, el("tr", {}, el("td", { colspan: 6 }, HW.errorBox(e.message)))); }
    }
    load();
  }

  // Automation: the asset's condition and its latest evaluations (why it was or was not requested).
  function tree(node) {
    return el("li", { class: node.true ? "true" : "false" }, node.true ? "✓ " : "✗ ", node.condition,
      node.children ? el("ul", {}, node.children.map(tree)) : null);
  }
  async function automationTab(a, box) {
    const freshness = a.freshness ? el("p", { id: "automation-freshness" }, "Freshness: ", a.freshness.text) : el("p", { class: "muted" }, "No freshness policy.");
    HW.fill(box, el("h3", {}, "Automation"), el("p", { class: "muted" }, "Loading…"));
    try {
      const w = await api("/api/automation/why/" + a.key.split("/").map(encodeURIComponent).join("/"));
      HW.fill(box, el("h3", {}, "Automation condition"), el("p", { class: "mono", id: "automation-condition" }, w.condition || "none"), freshness,
        w.evaluations.length ? [el("h3", {}, "Latest evaluations"), w.evaluations.map((e) => el("div", { class: "card" },
          el("strong", {}, HW.when(e.timestamp)), " ", e.requested ? ["requested ", e.run_id ? HW.runLink(e.run_id) : ""] : "not requested",
          el("ul", { class: "tree" }, tree(e.tree))))] : el("p", { class: "muted" }, w.condition ? "No evaluation recorded yet: is `headwater daemon` running?" : ""));
    } catch (e) { HW.fill(box, el("h3", {}, "Automation"), freshness, HW.errorBox(e.message)); }
  }

  // Columns of the latest materialization, each with the (asset, column) pairs linked to it up and
  // down (links open that asset's page on that column); choosing a column highlights its path here
  // and the assets on it in the lineage lists.
  function columnLink(ref) {
    const href = "/assets/" + ref.asset.split("/").map(encodeURIComponent).join("/") + "?column=" + encodeURIComponent(ref.column);
    const title = `${ref.type || "type not recorded"}, ${ref.distance} level${ref.distance === 1 ? "" : "s"} away`;
    return el("a", { href, class: "col-link mono", title, "data-asset": ref.asset, "data-column": ref.column }, `${ref.asset}.${ref.column}`);
  }

  function byLevel(refs, farthestFirst) {
    const levels = new Map();
    for (const r of refs) levels.set(r.distance, [...(levels.get(r.distance) || []), r]);
    const order = [...levels.keys()].sort((x, y) => (farthestFirst ? y - x : x - y));
    return order.map((d) => el("span", { class: "level" }, levels.get(d).flatMap((r, i) => [i ? ", " : "", columnLink(r)])));
  }

  function columnsSection(c, box, wanted) {
    const missing = c.without_schema.length ? el("p", { class: "muted" }, "No columns recorded for ", c.without_schema.flatMap((k, i) => [i ? ", " : "", HW.assetLink(k)])) : null;
    if (!c.schema_recorded) {
      HW.fill(box, el("h3", {}, "Columns"), el("p", { class: "muted" }, "No columns recorded: materialize it with a DataFrame value (or a list of dicts) to see them."), missing);
      return;
    }
    const path = el("div", { id: "column-path", class: "card muted" }, "Click a column to highlight its lineage path.");
    const links = (refs) => (refs.length ? refs.flatMap((r, i) => [i ? ", " : "", columnLink(r)]) : "–");
    const rows = c.columns.map((col) => el("tr", { class: "column", "data-column": col.name, tabindex: 0, onclick: () => choose(col), onkeydown: (e) => { if (e.key === "Enter") choose(col); } },
      el("td", { class: "mono" }, col.name), el("td", { class: "mono" }, col.type), el("td", {}, links(col.upstream)), el("td", {}, links(col.downstream))));
    function choose(col) {
      for (const row of rows) row.classList.toggle("selected", row.dataset.column === col.name);
      const on = new Set([...col.upstream, ...col.downstream].map((r) => r.asset));
      for (const li of document.querySelectorAll(".lineage li[data-key]")) li.classList.toggle("on-path", on.has(li.dataset.key));
      const arrow = () => el("span", { class: "arrow" }, " → ");
      HW.fill(path, el("strong", {}, `Lineage of ${col.name}: `),
        byLevel(col.upstream, true).map((level) => [level, arrow()]),
        el("mark", { class: "mono" }, `${c.key}.${col.name}`),
        byLevel(col.downstream, false).map((level) => [arrow(), level]));
      path.className = "card";
    }
    HW.fill(box, el("h3", {}, `Columns (${c.columns.length})`),
      el("table", { id: "columns-table" }, el("tr", {}, ["column", "type", "upstream", "downstream"].map((h) => el("th", {}, h))), rows),
      path, missing);
    const first = c.columns.find((col) => col.name === wanted);
    if (first) choose(first);
  }

  function loadColumns() {
    const box = document.getElementById("columns");
    const wanted = new URLSearchParams(window.location.search).get("column");
    api(apiPath + "/columns").then((c) => columnsSection(c, box, wanted)).catch((e) => HW.fill(box, el("h3", {}, "Columns"), HW.errorBox(e.message)));
  }

  // Partition health: one cell per partition on a canvas (10,000 cells draw in a few ms), coloured
  // by the ranges of the partition grid (status and reason); hovering names the range and why; the
  // ranges are listed below, and a multi-partitioned asset gets a table per dimension.
  const COLOURS = { materialized: "#16a34a", failed: "#dc2626", check_failed: "#f97316", overdue: "#9333ea",
    stale: "#eab308", missing: "#d1d5db", in_progress: "#2563eb" };
  const label = (s) => s.replace("_", " ");
  function partitionGrid(p, definition) {
    const CELL = p.total > 2000 ? 6 : 12, GAP = 1, COLS = Math.max(1, Math.floor(960 / (CELL + GAP)));
    const rows = Math.ceil(p.total / COLS);
    const canvas = el("canvas", { id: "partition-grid", width: COLS * (CELL + GAP), height: Math.max(1, rows) * (CELL + GAP), "data-total": p.total });
    const ctx = canvas.getContext("2d");
    const starts = [];
    let i = 0;
    for (const r of p.ranges) {
      starts.push(i);
      ctx.fillStyle = COLOURS[r.status] || "#9ca3af";
      for (let k = 0; k < r.count; k++, i++) ctx.fillRect((i % COLS) * (CELL + GAP), Math.floor(i / COLS) * (CELL + GAP), CELL, CELL);
    }
    const hover = el("div", { id: "partition-hover", class: "muted" }, "Hover a cell to see its partitions.");
    canvas.addEventListener("mousemove", (ev) => {
      const box = canvas.getBoundingClientRect();
      const n = Math.floor((ev.clientY - box.top) / (CELL + GAP)) * COLS + Math.floor((ev.clientX - box.left) / (CELL + GAP));
      let at = -1;
      for (let r = 0; r < starts.length && starts[r] <= n; r++) at = r;
      const r = p.ranges[at];
      const span = r ? (r.start === r.end ? r.start : r.start + " … " + r.end) : "";
      hover.textContent = r && n < p.total ? `${span}: ${label(r.status)} (${r.count})${r.reason ? " — " + r.reason : ""}` : "";
    });
    const counts = Object.entries(p.counts).filter(([, n]) => n > 0);
    const dimensions = (p.dimensions || []).map((d) => el("table", { class: "partition-dimension", "data-dimension": d.name },
      el("tr", {}, [d.name, "status", "partitions"].map((h) => el("th", {}, h))),
      d.values.slice(0, 500).map((v) => el("tr", {}, el("td", { class: "mono" }, v.value),
        el("td", {}, el("span", { class: `chip part-${v.status}` }, label(v.status))),
        el("td", {}, Object.entries(v.counts).map(([s, n]) => `${n} ${label(s)}`).join(", "))))));
    return [el("h3", {}, `Partitions (${p.total}, ${definition})`),
      el("div", { class: "legend", id: "partition-counts" }, counts.map(([s, n]) => el("span", { class: `chip part-${s}` }, `${label(s)} ${n}`))),
      canvas, hover, ...dimensions,
      el("details", {}, el("summary", {}, `${p.ranges.length} ranges`), el("table", { id: "partition-ranges" },
        el("tr", {}, ["status", "from", "to", "partitions", "why"].map((h) => el("th", {}, h))),
        p.ranges.slice(0, 500).map((r) => el("tr", {}, el("td", {}, label(r.status)), el("td", { class: "mono" }, r.start), el("td", { class: "mono" }, r.end), el("td", {}, r.count), el("td", {}, r.reason)))))];
  }

  async function compare(assetKey) {
    const box = document.getElementById("diff");
    const pick = (name) => { const c = document.querySelector(`input[name=${name}]:checked`); return c ? c.value : ""; };
    const q = new URLSearchParams({ a: pick("diff-a"), b: pick("diff-b") });
    try {
      const d = await api("/api/diff/" + assetKey.split("/").map(encodeURIComponent).join("/") + "?" + q);
      const cell = (v) => (v === null || v === undefined ? "–" : typeof v === "object" ? JSON.stringify(v) : String(v));
      const schema = d.schema || { added: {}, removed: {}, changed: {} };
      HW.fill(box, el("div", { class: "card" }, el("h3", {}, "Diff"),
        el("p", {}, "A ", HW.runLink(d.a.run_id), ` ${HW.when(d.a.timestamp)}  →  B `, HW.runLink(d.b.run_id), ` ${HW.when(d.b.timestamp)}`),
        el("dl", {}, el("dt", {}, "data version"), el("dd", {}, d.data_version_changed ? `changed: ${cell(d.a.data_version)} → ${cell(d.b.data_version)}` : "same"),
          el("dt", {}, "code version"), el("dd", {}, d.code_version_changed ? `changed: ${cell(d.a.code_version)} → ${cell(d.b.code_version)}` : "same"),
          el("dt", {}, "rows"), el("dd", { id: "diff-rows" }, d.rows ? `${cell(d.rows.a)} → ${cell(d.rows.b)}` + (d.rows.delta !== null ? ` (${d.rows.delta >= 0 ? "+" : ""}${d.rows.delta})` : "") : "not recorded"),
          el("dt", {}, "schema"), el("dd", {}, [...Object.entries(schema.added).map(([c, t]) => `+ ${c} ${t}`), ...Object.entries(schema.removed).map(([c, t]) => `− ${c} ${t}`),
            ...Object.entries(schema.changed).map(([c, t]) => `~ ${c} ${t.a} → ${t.b}`)].join(", ") || "same"),
          el("dt", {}, "inputs changed"), el("dd", {}, Object.keys(d.inputs).join(", ") || "none")),
        el("table", { id: "diff-metadata" }, el("tr", {}, ["metadata", "A", "B", "change"].map((h) => el("th", {}, h))),
          d.metadata.map((m) => el("tr", { class: m.changed ? "changed" : "" }, el("td", {}, m.name), el("td", { class: "mono" }, cell(m.a)), el("td", { class: "mono" }, cell(m.b)),
            el("td", {}, m.delta !== undefined ? `${m.delta >= 0 ? "+" : ""}${+m.delta.toPrecision(6)}` + (m.percent !== null ? ` (${m.percent}%)` : "") : m.changed ? "changed" : ""))))));
    } catch (e) {
      HW.fill(box, HW.errorBox(e.message));
    }
  }

  api(apiPath).then(draw).catch((e) => HW.fill(root, HW.errorBox(e.message)));
})();
