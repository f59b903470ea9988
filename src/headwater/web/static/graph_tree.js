// The graph page's sidebar: a tree of the groups and their assets. A group opens to list its
// assets (keys in order, a dot of each one's state); clicking a group or an asset shows it in the
// graph. Assets are listed only when their group is opened, so 50,000 assets cost nothing here.
"use strict";

(() => {
  const { el } = HW;
  const SHOWN = 300;  // assets listed per group; the rest are a search away

  // ``g``: the graph data (keys, group, groups); ``states()``: the current state letters;
  // ``onGroup(gi)`` and ``onAsset(i)`` show them in the graph.
  HW.groupTree = (g, states, onGroup, onAsset) => {
    const members = g.groups.map(() => []);
    for (let i = 0; i < g.keys.length; i++) members[g.group[i]].push(i);
    const open = new Set();
    const list = el("ul", { class: "tree-groups", role: "tree", "aria-label": "Groups and assets" });
    const node = el("aside", { id: "tree", class: "tree-panel" }, el("h3", {}, `Groups (${g.groups.length})`), list);

    function assetItem(i, letters) {
      const state = HW.CODES[letters[i]] || "missing";
      const key = g.keys[i];
      return el("li", { role: "treeitem", "data-key": key },
        el("a", { href: "/assets/" + key.split("/").map(encodeURIComponent).join("/"), title: `${key} · ${HW.STATES[state]}`,
          onclick: (e) => { e.preventDefault(); onAsset(i); } }, el("span", { class: `dot st-${state}` }), key));
    }
    function draw() {
      const letters = states();
      HW.fill(list, g.groups.map((grp, gi) => {
        const expanded = open.has(gi);
        const shown = expanded ? [...members[gi]].sort((a, b) => (g.keys[a] < g.keys[b] ? -1 : 1)).slice(0, SHOWN) : [];
        return el("li", { role: "treeitem", "aria-expanded": String(expanded), "data-group": grp.name },
          el("button", { type: "button", class: "tree-toggle", "aria-label": (expanded ? "Close " : "Open ") + grp.name,
            onclick: () => { if (expanded) open.delete(gi); else open.add(gi); draw(); } }, expanded ? "▾" : "▸"),
          el("a", { href: "#", class: "tree-group", onclick: (e) => { e.preventDefault(); onGroup(gi); } }, grp.name),
          el("span", { class: "muted" }, ` ${grp.count.toLocaleString()}`),
          expanded ? el("ul", { role: "group" }, shown.map((i) => assetItem(i, letters)),
            grp.count > SHOWN ? el("li", { class: "muted" }, `and ${(grp.count - SHOWN).toLocaleString()} more: find them with the search box`) : null) : null);
      }));
    }
    draw();
    return { node, refresh: draw };
  };
})();
