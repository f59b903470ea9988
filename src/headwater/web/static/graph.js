// The asset graph page: server-computed layered layout, drawn in SVG with only what is in
// view; groups are bands that collapse; search, selection box, N-hop focus and a side panel.
"use strict";

(() => {
  const { el, api } = HW;
  const COL_W = 240, NODE_W = 190, NODE_H = 34, ROW_H = 48, HEAD = 26, GAP = 18, FOLDED_H = 44;
  const MAX_LABELLED = 2500, MAX_EDGES = 6000;
  const root = HW.app();
  let g = null;            // graph data from /api/graph
  let states = "";         // one letter per node
  let folded = [];         // per group: collapsed?
  let tops = [];           // per group: y of its band
  let byLayer = [];        // layer -> node indices
  let lookup = new Map();  // key -> index
  let selected = null;     // Set of indices highlighted by the selection box, or null
  let focus = null;        // Set of indices shown in focus mode, or null
  let current = -1;        // index in the side panel
  let view = { x: 20, y: 20, k: 1 };
  let frame = 0;

  const status = el("span", { class: "muted", id: "graph-status" });
  const search = el("input", { type: "search", id: "search", placeholder: "Find an asset…", autocomplete: "off" });
  const hits = el("ul", { class: "hits", id: "hits", hidden: true });
  const selectBox = el("input", { type: "text", id: "select", placeholder: "Selection, e.g. +mart/revenue or group:raw", spellcheck: "false" });
  const legend = el("div", { class: "legend", id: "legend" });
  const svg = el("svg", { id: "graph", class: "graph" });
  const edgeLayer = el("g", { class: "edges" }), nodeLayer = el("g", { class: "nodes" });
  const world = el("g", {}, edgeLayer, nodeLayer);
  svg.append(world);
  const panel = el("aside", { id: "panel", class: "panel", hidden: true });
  const banner = el("div", { id: "banner" });

  const toolbar = el("div", { class: "toolbar" },
    el("div", { class: "searchwrap" }, search, hits),
    el("form", { class: "selectform", onsubmit: (e) => { e.preventDefault(); applySelection(); } },
      selectBox,
      el("button", { type: "submit" }, "Select"),
      el("button", { type: "button", onclick: clearSelection }, "Clear"),
      el("button", { type: "button", id: "materialize-selection", onclick: () => HW.materialize(selectBox.value.trim() || "*", status) }, "Materialize selection")),
    el("button", { type: "button", onclick: () => setAllFolded(false) }, "Expand groups"),
    el("button", { type: "button", onclick: () => setAllFolded(true) }, "Collapse groups"),
    el("button", { type: "button", onclick: fit }, "Fit"),
    status);
  HW.fill(root, banner, toolbar, legend, el("div", { class: "stage" }, svg, panel));

  // -- geometry -------------------------------------------------------------------------------
  function layoutBands() {
    let y = 0;
    tops = g.groups.map((grp, i) => {
      const top = y;
      y += HEAD + (folded[i] ? FOLDED_H : grp.rows * ROW_H) + GAP;
      return top;
    });
  }
  const nx = (i) => g.layer[i] * COL_W;
  const ny = (i) => tops[g.group[i]] + HEAD + g.row[i] * ROW_H;
  function groupBox(gi) {
    const grp = g.groups[gi];
    return { x: grp.min * COL_W - 10, y: tops[gi] + HEAD, w: (grp.max - grp.min) * COL_W + NODE_W + 20, h: FOLDED_H };
  }
  function shown(i) {
    return (!focus || focus.has(i)) && !folded[g.group[i]];
  }
  function anchor(i, out) {
    const gi = g.group[i];
    if (folded[gi]) {
      if (focus) return null;
      const b = groupBox(gi);
      return { id: "g" + gi, x: out ? b.x + b.w : b.x, y: b.y + b.h / 2 };
    }
    if (focus && !focus.has(i)) return null;
    return { id: "n" + i, x: out ? nx(i) + NODE_W : nx(i), y: ny(i) + NODE_H / 2 };
  }

  // -- drawing: only what intersects the viewport -------------------------------------------
  function schedule() { if (!frame) frame = requestAnimationFrame(render); }

  function render() {
    frame = 0;
    world.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    const rect = svg.getBoundingClientRect();
    const x0 = -view.x / view.k, y0 = -view.y / view.k;
    const x1 = x0 + rect.width / view.k, y1 = y0 + rect.height / view.k;
    const nodes = [], bands = [];
    g.groups.forEach((grp, gi) => {
      const top = tops[gi], bottom = top + HEAD + (folded[gi] ? FOLDED_H : grp.rows * ROW_H);
      if (bottom >= y0 && top <= y1) bands.push(gi);
    });
    const l0 = Math.max(0, Math.floor((x0 - NODE_W) / COL_W)), l1 = Math.min(byLayer.length - 1, Math.ceil(x1 / COL_W));
    for (let l = l0; l <= l1; l++) {
      for (const i of byLayer[l]) {
        if (!shown(i)) continue;
        const y = ny(i);
        if (y + NODE_H >= y0 && y <= y1) nodes.push(i);
      }
    }
    const labelled = nodes.length <= MAX_LABELLED && view.k > 0.25;
    const parts = [];
    for (const gi of bands) parts.push(drawBand(gi, x0, x1));
    for (const i of nodes) parts.push(drawNode(i, labelled));
    HW.fill(nodeLayer, ...parts);
    HW.fill(edgeLayer, ...drawEdges(x0, y0, x1, y1));
    status.textContent = `${g.keys.length} assets · ${nodes.length} in view` + (focus ? ` · focus: ${focus.size}` : "") +
      (selected ? ` · selected: ${selected.size}` : "");
  }

  function drawBand(gi, x0, x1) {
    const grp = g.groups[gi];
    const title = `${grp.name} (${grp.count})`;
    const left = Math.max(grp.min * COL_W - 10, x0);
    const head = el("text", { x: left + 18, y: tops[gi] + 17, class: "band-title" }, (folded[gi] ? "▸ " : "▾ ") + title);
    const toggle = () => {
      folded[gi] = !folded[gi];
      layoutBands();
      if (!folded[gi] && grp.count > 500 && !focus) {
        // A big group opens at its first layers, readable, instead of thousands of tiny nodes at once.
        view.k = 0.6;
        view.x = 20 - (grp.min * COL_W - 10) * view.k;
        view.y = 20 - tops[gi] * view.k;
      }
      schedule();
    };
    const parts = [el("rect", { x: grp.min * COL_W - 10, y: tops[gi], width: (grp.max - grp.min) * COL_W + NODE_W + 20,
      height: HEAD + (folded[gi] ? FOLDED_H : grp.rows * ROW_H), class: "band", rx: 6 }), head];
    head.addEventListener("click", toggle);
    if (folded[gi] && !focus) {
      const b = groupBox(gi);
      const counts = {};
      for (let i = 0; i < g.keys.length; i++) if (g.group[i] === gi) counts[states[i]] = (counts[states[i]] || 0) + 1;
      const summary = Object.entries(counts).map(([c, n]) => `${n} ${HW.STATES[HW.CODES[c]]}`).join(" · ");
      const box = el("g", { class: "folded", "data-group": grp.name, onclick: toggle },
        el("rect", { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6 }),
        el("text", { x: Math.max(b.x, x0) + 12, y: b.y + 27 }, `${grp.count} assets · ${summary} · click to expand`));
      parts.push(box);
    }
    return el("g", { class: "band-g" }, ...parts);
  }

  function drawNode(i, labelled) {
    const state = HW.CODES[states[i]] || "missing";
    let cls = `node st-${state}`;
    if (selected && !selected.has(i)) cls += " dim";
    if (i === current) cls += " current";
    const node = el("g", { class: cls, "data-key": g.keys[i], transform: `translate(${nx(i)},${ny(i)})` },
      el("rect", { width: NODE_W, height: NODE_H, rx: 5 }),
      el("title", {}, `${g.keys[i]} — ${HW.STATES[state]}`));
    if (labelled) {
      const key = g.keys[i];
      node.append(el("text", { x: 10, y: 21 }, key.length > 26 ? "…" + key.slice(-25) : key));
    }
    node.addEventListener("click", (e) => { e.stopPropagation(); open(i); });
    return node;
  }

  function drawEdges(x0, y0, x1, y1) {
    const seen = new Set(), out = [];
    const e = g.edges;
    for (let j = 0; j < e.length && out.length < MAX_EDGES; j += 2) {
      const a = anchor(e[j], true), b = anchor(e[j + 1], false);
      if (!a || !b || a.id === b.id) continue;
      if (Math.max(a.x, b.x) < x0 || Math.min(a.x, b.x) > x1 || Math.max(a.y, b.y) < y0 || Math.min(a.y, b.y) > y1) continue;
      const id = a.id + ">" + b.id;
      if (seen.has(id)) continue;
      seen.add(id);
      const dim = selected && !(selected.has(e[j]) && selected.has(e[j + 1]));
      const mid = (a.x + b.x) / 2;
      out.push(el("path", { d: `M${a.x},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.x},${b.y}`, class: dim ? "edge dim" : "edge" }));
    }
    return out;
  }

  // -- view -----------------------------------------------------------------------------------
  function fitTo(indices) {
    const rect = svg.getBoundingClientRect();
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const add = (x, y, w, h) => { minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x + w); maxY = Math.max(maxY, y + h); };
    if (indices) for (const i of indices) add(nx(i), ny(i), NODE_W, NODE_H);
    else g.groups.forEach((grp, gi) => add(grp.min * COL_W - 10, tops[gi], (grp.max - grp.min) * COL_W + NODE_W + 20, HEAD + (folded[gi] ? FOLDED_H : grp.rows * ROW_H)));
    if (minX === Infinity) return;
    const k = Math.min(1.2, Math.max(0.02, Math.min((rect.width - 40) / (maxX - minX), (rect.height - 40) / (maxY - minY))));
    view = { k, x: 20 - minX * k + Math.max(0, (rect.width - 40 - (maxX - minX) * k) / 2), y: 20 - minY * k };
    schedule();
  }
  function fit() { fitTo(focus || null); }
  function centerOn(i) {
    const rect = svg.getBoundingClientRect();
    view.k = Math.max(view.k, 0.6);
    view.x = rect.width / 2 - (nx(i) + NODE_W / 2) * view.k;
    view.y = rect.height / 2 - (ny(i) + NODE_H / 2) * view.k;
    schedule();
  }

  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    if (e.target.closest(".node, .folded, .band-title")) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.x = drag.vx + e.clientX - drag.x; view.y = drag.vy + e.clientY - drag.y; schedule();
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = svg.getBoundingClientRect();
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    const k = Math.min(3, Math.max(0.02, view.k * Math.exp(-e.deltaY * 0.0015)));
    view.x = px - (px - view.x) * (k / view.k); view.y = py - (py - view.y) * (k / view.k); view.k = k;
    schedule();
  }, { passive: false });
  window.addEventListener("resize", schedule);

  // -- groups, search, selection, focus -------------------------------------------------------
  function setAllFolded(value) { folded = folded.map(() => value); layoutBands(); fit(); }

  function reveal(i) {
    if (folded[g.group[i]]) { folded[g.group[i]] = false; layoutBands(); }
    if (focus && !focus.has(i)) focus = null;
    centerOn(i);
    open(i);
  }

  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    HW.fill(hits);
    if (!q) { hits.hidden = true; return; }
    const found = [];
    for (let i = 0; i < g.keys.length && found.length < 20; i++) if (g.keys[i].toLowerCase().includes(q)) found.push(i);
    for (const i of found) hits.append(el("li", { onclick: () => { hits.hidden = true; search.value = g.keys[i]; reveal(i); } }, g.keys[i]));
    if (!found.length) hits.append(el("li", { class: "muted" }, "no asset matches"));
    hits.hidden = false;
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const first = hits.querySelector("li:not(.muted)"); if (first) first.click(); }
    if (e.key === "Escape") hits.hidden = true;
  });

  async function applySelection() {
    const q = selectBox.value.trim();
    if (!q) { clearSelection(); return; }
    HW.fill(banner);
    try {
      const result = await api("/api/select?q=" + encodeURIComponent(q));
      selected = new Set(result.keys.map((k) => lookup.get(k)));
      for (const i of selected) folded[g.group[i]] = false;
      layoutBands();
      if (selected.size) fitTo(selected); else schedule();
    } catch (e) {
      HW.fill(banner, HW.errorBox(e.message));
    }
  }
  function clearSelection() { selected = null; focus = null; selectBox.value = ""; HW.fill(banner); schedule(); }

  function hops(start, n) {
    const parents = new Map(), children = new Map();
    for (let j = 0; j < g.edges.length; j += 2) {
      const p = g.edges[j], c = g.edges[j + 1];
      (children.get(p) || children.set(p, []).get(p)).push(c);
      (parents.get(c) || parents.set(c, []).get(c)).push(p);
    }
    const found = new Set([start]);
    for (const adj of [parents, children]) {
      let frontier = [start];
      for (let d = 0; d < n && frontier.length; d++) {
        const next = [];
        for (const i of frontier) for (const j of adj.get(i) || []) if (!found.has(j)) { found.add(j); next.push(j); }
        frontier = next;
      }
    }
    return found;
  }
  function focusOn(i, n) {
    focus = hops(i, n);
    for (const j of focus) folded[g.group[j]] = false;
    layoutBands();
    fitTo(focus);
  }

  // -- side panel ------------------------------------------------------------------------------
  async function open(i) {
    current = i;
    schedule();
    const key = g.keys[i];
    panel.hidden = false;
    HW.fill(panel, el("p", { class: "muted" }, "Loading " + key + "…"));
    let a;
    try { a = await api("/api/assets/" + key); } catch (e) { HW.fill(panel, HW.errorBox(e.message)); return; }
    if (current !== i) return;
    const note = el("p", { id: "panel-status", class: "muted" });
    const hopsInput = el("input", { type: "number", min: 1, max: 50, value: 2, id: "hops", class: "hops" });
    const latest = a.latest;
    const meta = latest && latest.data.metadata ? Object.entries(latest.data.metadata) : [];
    HW.fill(panel, 
      el("button", { class: "close", title: "Close", onclick: () => { panel.hidden = true; current = -1; schedule(); } }, "×"),
      el("h2", {}, a.key), HW.badge(a.state),
      a.description ? el("p", {}, a.description) : null,
      el("dl", {},
        el("dt", {}, "group"), el("dd", {}, a.group),
        el("dt", {}, "kinds"), el("dd", {}, a.kinds.join(", ") || "–"),
        el("dt", {}, "owners"), el("dd", {}, a.owners.join(", ") || "–"),
        el("dt", {}, "code version"), el("dd", {}, a.code_version || "–"),
        el("dt", {}, "last materialized"), el("dd", {}, latest ? HW.when(latest.timestamp) : "never", " ", latest ? HW.runLink(latest.run_id) : "")),
      a.stale_reasons.length ? el("div", { class: "reasons" }, el("h3", {}, "Why stale"), el("ul", {}, a.stale_reasons.map((r) => el("li", {}, r.text)))) : null,
      meta.length ? el("div", {}, el("h3", {}, "Latest metadata"), el("dl", {}, meta.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, HW.metadataValue(v))]))) : null,
      a.checks.length ? el("div", {}, el("h3", {}, "Checks"), el("ul", {}, a.checks.map((c) => el("li", {}, c.name, " ", c.latest ? HW.badge(c.latest.passed ? "fresh" : "failed") : el("span", { class: "muted" }, "not run"))))) : null,
      el("div", { class: "actions" },
        el("button", { class: "primary", id: "materialize", onclick: () => HW.materialize(a.key, note) }, "Materialize"),
        el("button", { onclick: () => HW.materialize("+" + a.key, note) }, "With upstream"),
        el("a", { href: "/assets/" + a.key, class: "button" }, "Details")),
      note,
      el("div", { class: "actions" }, "Focus ", hopsInput, " hops ",
        el("button", { id: "focus", onclick: () => focusOn(i, Math.max(1, Number(hopsInput.value) || 1)) }, "Focus"),
        el("button", { onclick: () => { focus = null; fit(); } }, "Show all")),
      lineageList("Upstream", a.upstream), lineageList("Downstream", a.downstream));
  }
  function lineageList(title, keys) {
    if (!keys.length) return null;
    return el("div", {}, el("h3", {}, `${title} (${keys.length})`), el("ul", { class: "lineage" },
      keys.slice(0, 50).map((k) => el("li", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); reveal(lookup.get(k)); } }, k)))));
  }

  // -- data -------------------------------------------------------------------------------------
  async function load() {
    const data = await api("/api/graph");
    g = data.layout;
    states = data.states;
    lookup = new Map(g.keys.map((k, i) => [k, i]));
    const many = g.keys.length > 500;
    folded = g.groups.map(() => many);
    byLayer = [];
    for (let i = 0; i < g.keys.length; i++) (byLayer[g.layer[i]] ||= []).push(i);
    for (let l = 0; l < byLayer.length; l++) byLayer[l] ||= [];
    HW.fill(banner, ...(data.load_error ? [HW.errorBox("The definitions no longer load; showing the last good version:\n" + data.load_error)] : []));
    drawLegend();
    layoutBands();
    fit();
  }
  function drawLegend() {
    const counts = {};
    for (const c of states) counts[c] = (counts[c] || 0) + 1;
    HW.fill(legend, ...Object.entries(HW.CODES).map(([c, s]) => el("span", { class: `chip st-${s}` }, `${HW.STATES[s]} ${counts[c] || 0}`)));
  }
  // Live states: a cheap "changed since" poll each second; states are fetched only on a change.
  let marker = null;
  async function poll() {
    try {
      const c = await api("/api/changes" + (marker ? "?since=" + encodeURIComponent(marker) : ""));
      if (c.changed) {
        const s = await api("/api/graph/states");
        marker = c.marker;
        if (s.version !== g.version) { await load(); }
        else if (s.states !== states) { states = s.states; drawLegend(); schedule(); }
      }
    } catch (e) { /* the next poll retries */ }
    setTimeout(poll, 1000);
  }

  load().then(() => setTimeout(poll, 1000)).catch((e) => HW.fill(root, HW.errorBox(e.message)));
})();
