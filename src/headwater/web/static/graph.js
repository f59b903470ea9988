// The asset graph page: server-computed layout (groups as blocks in columns), drawn in SVG with only
// what is in view; edges above the group blocks, with arrowheads. Zoomed far out, each group is one
// box and edges between groups are one arrow each, labelled with how many edges it stands for.
// Groups collapse; search, selection box, N-hop focus and a side panel.
"use strict";

(() => {
  const { el, api } = HW;
  const COL_W = 240, NODE_W = 200, NODE_H = 42, ROW_H = 56, HEAD = 26, GAP = 24, PAD = 10;
  const COL_GAP = 90, FOLDED_W = 320, FOLDED_H = 44;
  const LOD_K = 0.2;       // below this zoom, groups are drawn as boxes and nodes not at all
  const MAX_LABELLED = 2500, MAX_EDGES = 6000;
  const SVGNS = "http://www.w3.org/2000/svg";
  const root = HW.app();
  let g = null;            // graph data from /api/graph
  let states = "";         // one letter per node
  let details = { parts: {}, checks: {}, overdue: [] };  // by node: partitions, checks, overdue
  let overdue = new Set();
  let folded = [];         // per group: collapsed?
  let gx = [], gy = [], gw = [], gh = [];  // per group: its block
  let local = null;        // per node: its column inside its group's block
  let cols = [];           // per group: column -> node indices
  let groupEdges = [];     // [from group, to group, edge count]
  let edgesOf = [];        // per group: positions in g.edges of the edges into or out of it
  let lookup = new Map();  // key -> index
  let selected = null;     // Set of indices highlighted by the selection box, or null
  let focus = null;        // Set of indices shown in focus mode, or null
  let current = -1;        // index in the side panel
  let view = { x: 20, y: 20, k: 1 };
  let minK = 0.02;         // zoom floor: low enough to fit the whole graph
  let frame = 0;

  const status = el("span", { class: "muted", id: "graph-status" });
  const search = el("input", { type: "search", id: "search", placeholder: "Find an asset…", autocomplete: "off" });
  const hits = el("ul", { class: "hits", id: "hits", hidden: true });
  const selectBox = el("input", { type: "text", id: "select", placeholder: "Selection, e.g. +mart/revenue or group:raw", spellcheck: "false" });
  const legend = el("div", { class: "legend", id: "legend" });
  const svg = el("svg", { id: "graph", class: "graph" });
  const defs = document.createElementNS(SVGNS, "defs");
  const arrow = document.createElementNS(SVGNS, "marker");
  for (const [k, v] of Object.entries({ id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" })) arrow.setAttribute(k, v);
  arrow.append(el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
  defs.append(arrow);
  const bandLayer = el("g", { class: "bands" }), edgeLayer = el("g", { class: "edges" }), nodeLayer = el("g", { class: "nodes" });
  const world = el("g", {}, bandLayer, edgeLayer, nodeLayer);
  svg.append(defs, world);
  const panel = el("aside", { id: "panel", class: "panel", hidden: true });
  const banner = el("div", { id: "banner" });

  const toolbar = el("div", { class: "toolbar" },
    el("div", { class: "searchwrap" }, search, hits),
    el("form", { class: "selectform", onsubmit: (e) => { e.preventDefault(); applySelection(); } },
      selectBox,
      el("button", { type: "submit" }, "Select"),
      el("button", { type: "button", onclick: clearSelection }, "Clear"),
      el("button", { type: "button", id: "materialize-selection", onclick: () => HW.materialize(selectBox.value.trim() || "*", status) }, "Materialize selection")),
    el("button", { type: "button", id: "expand-all", onclick: () => setAllFolded(false) }, "Expand groups"),
    el("button", { type: "button", id: "collapse-all", onclick: () => setAllFolded(true) }, "Collapse groups"),
    el("button", { type: "button", id: "fit", onclick: fit }, "Fit"),
    el("button", { type: "button", id: "tree-toggle", "aria-pressed": "true", onclick: (e) => {
      tree.node.hidden = !tree.node.hidden; e.target.setAttribute("aria-pressed", String(!tree.node.hidden)); moved();
    } }, "Groups"),
    status);
  const stage = el("div", { class: "stage" }, svg, panel);
  let tree = null;         // the sidebar of groups and assets (graph_tree.js)
  HW.fill(root, banner, toolbar, legend, stage);

  // -- geometry: blocks stand in columns, stacked; a collapsed block is a small box ------------
  const width = (gi) => { const grp = g.groups[gi]; return grp.layers ? grp.layers.length : grp.max - grp.min + 1; };
  function layoutBlocks() {
    const colW = [], colY = [];
    g.groups.forEach((grp, gi) => {
      gw[gi] = folded[gi] ? FOLDED_W : (width(gi) - 1) * COL_W + NODE_W + 2 * PAD;
      gh[gi] = HEAD + (folded[gi] ? FOLDED_H : grp.rows * ROW_H);
      colW[grp.col] = Math.max(colW[grp.col] || 0, gw[gi]);
    });
    const colX = [];
    let x = 0;
    for (let c = 0; c < colW.length; c++) { colX[c] = x; x += (colW[c] || 0) + COL_GAP; }
    g.groups.forEach((grp, gi) => {
      gx[gi] = colX[grp.col];
      gy[gi] = colY[grp.col] || 0;
      colY[grp.col] = gy[gi] + gh[gi] + GAP;
    });
  }
  const nx = (i) => gx[g.group[i]] + PAD + local[i] * COL_W;
  const ny = (i) => gy[g.group[i]] + HEAD + g.row[i] * ROW_H;
  function foldedBox(gi) { return { x: gx[gi], y: gy[gi] + HEAD, w: gw[gi], h: FOLDED_H }; }
  // Where an edge leaves (out) or enters a node, or its collapsed group; null when hidden by focus.
  function anchor(i, out) {
    const gi = g.group[i];
    if (folded[gi]) {
      if (focus) return null;
      return { id: -1 - gi, x: out ? gx[gi] + gw[gi] : gx[gi], y: gy[gi] + HEAD + FOLDED_H / 2 };
    }
    if (focus && !focus.has(i)) return null;
    return { id: i, x: out ? nx(i) + NODE_W : nx(i), y: ny(i) + NODE_H / 2 };
  }

  // -- drawing: only what intersects the viewport -------------------------------------------
  // A pan or a small zoom only moves what is drawn: the drawing covers a margin around the view
  // and is redone when the view leaves it, the zoom changes by a quarter or the data changed.
  let drawn = null, dirty = true;
  function schedule() { dirty = true; moved(); }
  function moved() { if (!frame) frame = requestAnimationFrame(render); }

  function render() {
    frame = 0;
    world.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    const rect = svg.getBoundingClientRect();
    const vx = -view.x / view.k, vy = -view.y / view.k, vw = rect.width / view.k, vh = rect.height / view.k;
    const lod = view.k < LOD_K && !focus;
    const d = drawn;
    // Zoomed out, text is sized for the zoom it was drawn at; assets' text scales with them.
    const sized = !d || !lod || Math.max(view.k / d.k, d.k / view.k) < 1.25;
    if (!dirty && d && d.lod === lod && d.labelled === (view.k > 0.25) && vx >= d.x0 && vy >= d.y0 && vx + vw <= d.x1 && vy + vh <= d.y1 && sized) return;
    dirty = false;
    const x0 = vx - vw * 0.2, y0 = vy - vh * 0.2, x1 = vx + vw * 1.2, y1 = vy + vh * 1.2;
    drawn = { x0, y0, x1, y1, k: view.k, lod, labelled: view.k > 0.25 };
    const inView = [];
    g.groups.forEach((grp, gi) => {
      if (gx[gi] + gw[gi] >= x0 && gx[gi] <= x1 && gy[gi] + gh[gi] >= y0 && gy[gi] <= y1) inView.push(gi);
    });
    svg.dataset.lod = lod ? "groups" : "nodes";
    if (lod) {
      HW.fill(bandLayer, ...inView.map(drawGroupBox));
      HW.fill(edgeLayer, ...drawGroupEdges(x0, y0, x1, y1));
      HW.fill(nodeLayer);
      status.textContent = `${g.keys.length} assets · ${inView.length} groups in view · zoom in to see assets`;
      return;
    }
    const nodes = [];
    for (const gi of inView) {
      if (folded[gi]) continue;
      const c0 = Math.max(0, Math.floor((x0 - gx[gi] - PAD - NODE_W) / COL_W)), c1 = Math.min(cols[gi].length - 1, Math.ceil((x1 - gx[gi]) / COL_W));
      for (let c = c0; c <= c1; c++) {
        for (const i of cols[gi][c]) {
          if (focus && !focus.has(i)) continue;
          const y = ny(i);
          if (y + NODE_H >= y0 && y <= y1) nodes.push(i);
        }
      }
    }
    const labelled = nodes.length <= MAX_LABELLED && view.k > 0.25;
    HW.fill(bandLayer, ...inView.map((gi) => drawBand(gi, x0)));
    HW.fill(edgeLayer, ...drawEdges(x0, y0, x1, y1));
    HW.fill(nodeLayer, ...nodes.map((i) => drawNode(i, labelled)));
    status.textContent = `${g.keys.length} assets · ${nodes.length} in view` + (focus ? ` · focus: ${focus.size}` : "") +
      (selected ? ` · selected: ${selected.size}` : "");
  }

  let summaries = null;  // per group: state letter -> count, until the states change
  function stateSummary(gi) {
    if (!summaries) {
      summaries = g.groups.map(() => ({}));
      for (let i = 0; i < states.length; i++) { const c = summaries[g.group[i]]; c[states[i]] = (c[states[i]] || 0) + 1; }
    }
    return summaries[gi];
  }
  function summaryText(counts) {
    return Object.entries(counts).map(([c, n]) => `${n} ${HW.STATES[HW.CODES[c]]}`).join(" · ");
  }
  // A bar of state colours, as wide as ``w``, in proportion to the group's states.
  function stateBar(counts, x, y, w, h) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
    let at = x;
    return Object.keys(HW.CODES).filter((c) => counts[c]).map((c) => {
      const part = (counts[c] / total) * w;
      const bar = el("rect", { x: at, y, width: part, height: h, class: `bar st-${HW.CODES[c]}` });
      at += part;
      return bar;
    });
  }

  function toggle(gi) {
    folded[gi] = !folded[gi];
    layoutBlocks();
    if (!folded[gi] && !focus) {
      if (g.groups[gi].count > 500) {
        // A big group opens at its first layers, readable, instead of thousands of tiny nodes at once.
        view.k = 0.6;
        view.x = 20 - gx[gi] * view.k;
        view.y = 20 - gy[gi] * view.k;
      } else if (view.k < LOD_K) {
        zoomToGroup(gi);
      }
    }
    schedule();
  }

  function drawBand(gi, x0) {
    const grp = g.groups[gi];
    const title = `${grp.name} (${grp.count})`;
    const head = el("text", { x: Math.max(gx[gi], x0) + 8, y: gy[gi] + 17, class: "band-title", "data-group": grp.name }, (folded[gi] ? "▸ " : "▾ ") + title);
    head.addEventListener("click", (e) => { e.stopPropagation(); toggle(gi); });
    const band = el("rect", { x: gx[gi], y: gy[gi], width: gw[gi], height: gh[gi], class: "band", rx: 6, "data-group": grp.name });
    if (folded[gi] && !focus) {  // one box: its name, a bar of its states, a click expands it
      const b = foldedBox(gi);
      const counts = stateSummary(gi);
      return el("g", { class: "folded", "data-group": grp.name, onclick: () => toggle(gi) }, band, head,
        ...stateBar(counts, b.x + 8, b.y + b.h - 12, b.w - 16, 5),
        el("text", { x: b.x + 10, y: b.y + 16 }, `${grp.count} assets · click to expand`),
        el("title", {}, `${grp.name}: ${summaryText(counts)}`));
    }
    return el("g", { class: "band-g" }, band, head);
  }

  // Zoomed out: one box per group, its name and its states, readable whatever the zoom.
  function drawGroupBox(gi) {
    const grp = g.groups[gi];
    const counts = stateSummary(gi);
    const k = view.k, px = 1 / k;  // one screen pixel in world units
    const box = el("g", { class: folded[gi] ? "folded lod-group" : "lod-group", "data-group": grp.name, onclick: () => (folded[gi] ? toggle(gi) : zoomToGroup(gi)) },
      el("rect", { x: gx[gi], y: gy[gi], width: gw[gi], height: gh[gi], rx: 6 * px, class: "lod-box" }),
      ...stateBar(counts, gx[gi], gy[gi] + gh[gi] - Math.min(gh[gi] / 3, 6 * px), gw[gi], Math.min(gh[gi] / 3, 6 * px)),
      el("title", {}, `${grp.name} (${grp.count} assets): ${summaryText(counts)}`));
    const size = Math.min(12, gh[gi] * k * 0.7);  // screen pixels: readable, inside the box
    if (gw[gi] * k > 60 && size >= 6) {
      box.append(el("text", { x: gx[gi] + 6 * px, y: gy[gi] + (size + 2) * px, "font-size": size * px, class: "lod-title" }, `${grp.name} (${grp.count})`));
    }
    return box;
  }
  function drawGroupEdges(x0, y0, x1, y1) {
    const out = [], labels = [], px = 1 / view.k;
    for (const [a, b, n] of groupEdges) {
      const ax = gx[a] + gw[a], ay = gy[a] + gh[a] / 2, bx = gx[b], by = gy[b] + gh[b] / 2;
      if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
      const mid = (ax + bx) / 2;
      out.push(el("path", { d: `M${ax},${ay} C${mid},${ay} ${mid},${by} ${bx},${by}`, class: "edge agg", "stroke-width": 1.5 * px, "marker-end": "url(#arrow)",
        "data-from": g.groups[a].name, "data-to": g.groups[b].name, "data-count": n }));
      if (Math.hypot(bx - ax, by - ay) * view.k > 40)  // a count only where it has room to be read
        labels.push(el("text", { x: mid, y: (ay + by) / 2 - 3 * px, "font-size": 11 * px, class: "agg-count", "data-from": g.groups[a].name, "data-to": g.groups[b].name }, String(n)));
    }
    return out.concat(labels);
  }

  function drawNode(i, labelled) {
    const state = HW.CODES[states[i]] || "missing";
    let cls = `node st-${state}`;
    if (selected && !selected.has(i)) cls += " dim";
    if (i === current) cls += " current";
    const shows = facts(i, state);
    const node = el("g", { class: cls, "data-key": g.keys[i], transform: `translate(${nx(i)},${ny(i)})` },
      el("rect", { width: NODE_W, height: NODE_H, rx: 5 }),
      el("title", {}, [g.keys[i], ...shows.map((f) => f.long || f.text)].join(" · ")));
    if (labelled) {
      const key = g.keys[i];
      // The key from its start, cut at the end: the full key is in the tooltip.
      node.append(el("text", { x: 10, y: 17, class: "node-key" }, key.length > 27 ? key.slice(0, 26) + "…" : key));
      const line = el("text", { x: 10, y: 33, class: "node-facts" });
      let room = 32;  // characters that fit on the second line
      for (const f of shows) {
        if (f.text.length > room) continue;
        room -= f.text.length + 2;
        line.append(el("tspan", { class: f.cls, "data-fact": f.name }, f.text + "  "));
      }
      node.append(line);
    }
    node.addEventListener("click", (e) => { e.stopPropagation(); open(i); });
    return node;
  }

  // What a node says under its key, most telling first: partitions, failures, checks, overdue,
  // then its state and kind; what does not fit is left to the tooltip (``long``: its wording).
  function facts(i, state) {
    const out = [];
    const p = details.parts[i];
    if (p) {
      out.push({ name: "partitions", cls: "f-parts", text: `${p[0].toLocaleString()}/${p[1].toLocaleString()}`, long: `${p[0].toLocaleString()} of ${p[1].toLocaleString()} partitions materialized` });
      if (p[2]) out.push({ name: "failed", cls: "f-bad", text: `${p[2].toLocaleString()} failed`, long: `${p[2].toLocaleString()} partitions failed` });
      if (p[3]) out.push({ name: "stale", cls: "f-warn", text: `${p[3].toLocaleString()} stale`, long: `${p[3].toLocaleString()} partitions from older code` });
    }
    const c = details.checks[i];
    if (c) {
      const long = `checks: ${c[0]} of ${c[2]} passed` + (c[1] ? `, ${c[1]} failed` : "");
      out.push(c[1] ? { name: "checks", cls: "f-bad", text: `✗${c[1]}/${c[2]} checks`, long } : { name: "checks", cls: c[0] === c[2] ? "f-ok" : "", text: `✓${c[0]}/${c[2]} checks`, long });
    }
    if (overdue.has(i)) out.push({ name: "overdue", cls: "f-overdue", text: "overdue", long: "overdue: its freshness policy is not met" });
    out.push({ name: "state", cls: `f-state st-${state}`, text: HW.STATES[state] });
    const kinds = g.kinds && g.kinds[i];
    if (kinds) out.push({ name: "kind", cls: "f-kind", text: kinds, long: "kind: " + kinds });
    return out;
  }

  // Node edges in view; those into or out of a collapsed group merge into one arrow per pair of
  // ends, labelled with how many edges it stands for.
  function drawEdges(x0, y0, x1, y1) {
    const merged = new Map(), out = [];
    const e = g.edges, span = g.keys.length + g.groups.length + 1;
    if (!focus) {  // edges between two collapsed groups: counted once at load
      for (const [ga, gb, n] of groupEdges) {
        if (!folded[ga] || !folded[gb]) continue;
        const a = { id: -1 - ga, x: gx[ga] + gw[ga], y: gy[ga] + HEAD + FOLDED_H / 2 }, b = { id: -1 - gb, x: gx[gb], y: gy[gb] + HEAD + FOLDED_H / 2 };
        if (Math.max(a.x, b.x) < x0 || Math.min(a.x, b.x) > x1 || Math.max(a.y, b.y) < y0 || Math.min(a.y, b.y) > y1) continue;
        merged.set(-merged.size - 1, { a, b, n });
        const mid = (a.x + b.x) / 2;
        out.push(el("path", { d: `M${a.x},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.x},${b.y}`, class: "edge", "marker-end": "url(#arrow)" }));
      }
    }
    // Then the edges of expanded groups, each once: from its parent's group, or from its child's
    // when the parent's is collapsed.
    const todo = [];
    g.groups.forEach((grp, gi) => { if (!folded[gi]) todo.push(gi); });
    for (const gi of todo) for (const j of edgesOf[gi]) {
      if (out.length >= MAX_EDGES) break;
      const pa = g.group[e[j]];
      if (pa !== gi && !folded[pa]) continue;
      const a = anchor(e[j], true), b = anchor(e[j + 1], false);
      if (!a || !b || a.id === b.id) continue;
      if (Math.max(a.x, b.x) < x0 || Math.min(a.x, b.x) > x1 || Math.max(a.y, b.y) < y0 || Math.min(a.y, b.y) > y1) continue;
      const dim = selected && !(selected.has(e[j]) && selected.has(e[j + 1]));
      if (a.id < 0 || b.id < 0) {
        const id = (a.id + span) * 2 * span + (b.id + span);
        const seen = merged.get(id);
        if (seen) { seen.n++; continue; }
        merged.set(id, { a, b, n: 1, dim });
      }
      const mid = (a.x + b.x) / 2;
      out.push(el("path", { d: `M${a.x},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.x},${b.y}`, class: dim ? "edge dim" : "edge", "marker-end": "url(#arrow)" }));
    }
    for (const { a, b, n } of merged.values()) {
      const name = (end) => (end.id < 0 ? g.groups[-1 - end.id].name : g.keys[end.id]);
      if (n > 1) out.push(el("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 4, class: "agg-count", "data-from": name(a), "data-to": name(b) }, String(n)));
    }
    return out;
  }

  // -- view -----------------------------------------------------------------------------------
  function bounds(indices) {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const add = (x, y, w, h) => { minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x + w); maxY = Math.max(maxY, y + h); };
    if (indices) for (const i of indices) add(nx(i), ny(i), NODE_W, NODE_H);
    else g.groups.forEach((grp, gi) => add(gx[gi], gy[gi], gw[gi], gh[gi]));
    return { minX, minY, maxX, maxY };
  }
  function fitBox({ minX, minY, maxX, maxY }, most) {
    if (minX === Infinity) return;
    const rect = svg.getBoundingClientRect();
    const k = Math.min(most, (rect.width - 40) / (maxX - minX), (rect.height - 40) / (maxY - minY));
    minK = Math.min(0.02, k / 2);
    view = { k, x: 20 - minX * k + Math.max(0, (rect.width - 40 - (maxX - minX) * k) / 2), y: 20 - minY * k + Math.max(0, (rect.height - 40 - (maxY - minY) * k) / 2) };
    schedule();
  }
  function fitTo(indices) { fitBox(bounds(indices), 1.2); }
  function fit() { fitTo(focus || null); }
  function zoomToGroup(gi) {
    const rect = svg.getBoundingClientRect();
    if (Math.min((rect.width - 40) / gw[gi], (rect.height - 40) / gh[gi]) >= LOD_K) {
      fitBox({ minX: gx[gi], minY: gy[gi], maxX: gx[gi] + gw[gi], maxY: gy[gi] + gh[gi] }, 1.2);
    } else {
      view = { k: 0.6, x: 20 - gx[gi] * 0.6, y: 20 - gy[gi] * 0.6 };
      schedule();
    }
  }
  function centerOn(i) {
    const rect = svg.getBoundingClientRect();
    view.k = Math.max(view.k, 0.6);
    view.x = rect.width / 2 - (nx(i) + NODE_W / 2) * view.k;
    view.y = rect.height / 2 - (ny(i) + NODE_H / 2) * view.k;
    schedule();
  }

  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    if (e.target.closest(".node, .folded, .lod-group, .band-title")) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.x = drag.vx + e.clientX - drag.x; view.y = drag.vy + e.clientY - drag.y; moved();
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = svg.getBoundingClientRect();
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    const k = Math.min(3, Math.max(minK, view.k * Math.exp(-e.deltaY * 0.0015)));
    view.x = px - (px - view.x) * (k / view.k); view.y = py - (py - view.y) * (k / view.k); view.k = k;
    moved();
  }, { passive: false });
  window.addEventListener("resize", moved);

  // -- groups, search, selection, focus -------------------------------------------------------
  function setAllFolded(value) { folded = folded.map(() => value); layoutBlocks(); fit(); }
  function reveal(i) {
    if (folded[g.group[i]]) { folded[g.group[i]] = false; layoutBlocks(); }
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
      layoutBlocks();
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
    layoutBlocks();
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
    setDetails(data.details);
    lookup = new Map(g.keys.map((k, i) => [k, i]));
    const many = g.keys.length > 500;
    folded = g.groups.map(() => many);
    local = new Int32Array(g.keys.length);
    const at = g.groups.map((grp) => grp.layers ? new Map(grp.layers.map((l, c) => [l, c])) : null);
    cols = g.groups.map((grp, gi) => Array.from({ length: width(gi) }, () => []));
    for (let i = 0; i < g.keys.length; i++) {
      const gi = g.group[i], grp = g.groups[gi];
      local[i] = at[gi] ? at[gi].get(g.layer[i]) : g.layer[i] - grp.min;
      cols[gi][local[i]].push(i);
    }
    const between = new Map();
    for (let j = 0; j < g.edges.length; j += 2) {
      const a = g.group[g.edges[j]], b = g.group[g.edges[j + 1]];
      if (a !== b) { const id = a * g.groups.length + b; between.set(id, (between.get(id) || 0) + 1); }
    }
    edgesOf = g.groups.map(() => []);
    for (let j = 0; j < g.edges.length; j += 2) {
      const a = g.group[g.edges[j]], b = g.group[g.edges[j + 1]];
      edgesOf[a].push(j);
      if (b !== a) edgesOf[b].push(j);
    }
    summaries = null;
    groupEdges = [...between].map(([id, n]) => [Math.floor(id / g.groups.length), id % g.groups.length, n]);
    HW.fill(banner, ...(data.load_error ? [HW.errorBox("The definitions no longer load; showing the last good version:\n" + data.load_error)] : []));
    drawLegend();
    layoutBlocks();
    const hidden = tree ? tree.node.hidden : false;
    if (tree) tree.node.remove();
    tree = HW.groupTree(g, () => states, showGroup, reveal);
    tree.node.hidden = hidden;
    stage.prepend(tree.node);
    fit();
  }
  function showGroup(gi) {
    if (focus) focus = null;
    if (folded[gi]) { folded[gi] = false; layoutBlocks(); }
    zoomToGroup(gi);
  }
  function setDetails(d) {
    details = d || { parts: {}, checks: {}, overdue: [] };
    overdue = new Set(details.overdue);
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
        else if (s.states !== states || JSON.stringify(s.details) !== JSON.stringify(details)) {
          states = s.states; summaries = null; setDetails(s.details); drawLegend(); tree.refresh(); schedule();
        }
      }
    } catch (e) { /* the next poll retries */ }
    setTimeout(poll, 1000);
  }

  load().then(() => setTimeout(poll, 1000)).catch((e) => HW.fill(root, HW.errorBox(e.message)));
})();
