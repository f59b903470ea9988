// One asset: description, lineage, latest metadata, numeric metadata plotted over time (SVG),
// materialization history, checks and their history, partitions and "why is this stale?".
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const key = root.dataset.key;

  function plot(name, points) {
    const W = 320, H = 120, P = 24;
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const sx = (x) => P + (x1 === x0 ? (W - 2 * P) / 2 : ((x - x0) / (x1 - x0)) * (W - 2 * P));
    const sy = (y) => H - P - (y1 === y0 ? (H - 2 * P) / 2 : ((y - y0) / (y1 - y0)) * (H - 2 * P));
    const svg = el("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, role: "img", "data-metric": name },
      el("line", { x1: P, y1: H - P, x2: W - P, y2: H - P }),
      el("polyline", { points: points.map((p) => `${sx(p[0])},${sy(p[1])}`).join(" ") }),
      ...points.map((p) => el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 2.5 }, el("title", {}, `${HW.when(p[0])}: ${p[1]}`))),
      el("text", { x: 2, y: sy(y1) + 3 }, String(+y1.toPrecision(4))), el("text", { x: 2, y: sy(y0) + 3 }, String(+y0.toPrecision(4))));
    return el("div", { class: "card" }, el("strong", {}, name), el("span", { class: "muted" }, ` latest ${ys[ys.length - 1]}`), svg);
  }

  function draw(a) {
    const note = el("span", { id: "asset-status", class: "muted" });
    const latest = a.latest;
    const meta = latest && latest.data.metadata ? Object.entries(latest.data.metadata) : [];
    const series = Object.entries(a.series).filter(([, pts]) => pts.length > 0);
    HW.fill(root, 
      el("h1", {}, a.key, " ", HW.badge(a.state)),
      a.description ? el("p", {}, a.description) : null,
      el("div", { class: "actions" },
        el("button", { class: "primary", id: "materialize", onclick: () => HW.materialize(a.key, note) }, "Materialize"),
        el("button", { onclick: () => HW.materialize("+" + a.key, note) }, "With upstream"),
        el("button", { onclick: () => HW.materialize(a.key + "+", note) }, "With downstream"), note),
      a.stale_reasons.length ? el("div", { class: "card reasons", id: "stale" }, el("h3", {}, "Why is this stale?"),
        el("ul", {}, a.stale_reasons.map((r) => el("li", {}, r.text, " ", r.kind === "upstream" ? HW.assetLink(r.asset) : "")))) : null,
      el("div", { class: "cards" },
        el("div", { class: "card" }, el("h3", {}, "About"), el("dl", {},
          el("dt", {}, "group"), el("dd", {}, a.group), el("dt", {}, "kinds"), el("dd", {}, a.kinds.join(", ") || "–"),
          el("dt", {}, "owners"), el("dd", {}, a.owners.join(", ") || "–"), el("dt", {}, "code version"), el("dd", {}, a.code_version || "–"),
          el("dt", {}, "tags"), el("dd", {}, Object.entries(a.tags).map(([k, v]) => `${k}=${v}`).join(" ") || "–"),
          el("dt", {}, "defined at"), el("dd", { class: "mono" }, a.site || "–"),
          el("dt", {}, "last materialized"), el("dd", {}, latest ? [HW.when(latest.timestamp), " ", HW.runLink(latest.run_id)] : "never"))),
        el("div", { class: "card" }, el("h3", {}, `Upstream (${a.upstream.length})`), el("ul", { class: "lineage" }, a.upstream.map((k) => el("li", {}, HW.assetLink(k)))),
          el("h3", {}, `Downstream (${a.downstream.length})`), el("ul", { class: "lineage" }, a.downstream.map((k) => el("li", {}, HW.assetLink(k))))),
        el("div", { class: "card" }, el("h3", {}, "Latest metadata"), meta.length ? el("dl", {}, meta.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, JSON.stringify(v))])) : el("p", { class: "muted" }, "none"))),
      series.length ? [el("h3", {}, "Metadata over time"), el("div", { class: "cards", id: "plots" }, series.map(([n, pts]) => plot(n, pts)))] : null,
      el("h3", {}, "Checks"),
      a.checks.length ? el("table", { id: "checks" }, el("tr", {}, ["check", "blocking", "severity", "latest"].map((h) => el("th", {}, h))),
        a.checks.map((c) => el("tr", {}, el("td", {}, c.name, c.description ? el("div", { class: "muted" }, c.description) : null),
          el("td", {}, c.blocking ? "yes" : "no"), el("td", {}, c.severity),
          el("td", {}, c.latest ? [HW.badge(c.latest.passed ? "fresh" : "failed"), " ", HW.when(c.latest.timestamp)] : "not run")))) : el("p", { class: "muted" }, "No checks declared."),
      a.check_history.length ? el("details", {}, el("summary", {}, `Check history (${a.check_history.length})`),
        el("table", {}, a.check_history.map((e) => el("tr", {}, el("td", {}, HW.when(e.timestamp)), el("td", {}, e.check), el("td", {}, e.data.passed ? "passed" : "failed"), el("td", {}, HW.runLink(e.run_id)))))) : null,
      a.partitions.length ? [el("h3", {}, `Partitions materialized (${a.partitions.length})`), el("div", { class: "grid" }, a.partitions.map((p) => el("span", { title: `${p.partition}: ${HW.when(p.timestamp)}` })))] : null,
      el("h3", {}, `History (${a.history.length})`),
      el("table", { id: "history" }, el("tr", {}, ["time", "run", "partition", "metadata"].map((h) => el("th", {}, h))),
        [...a.history].reverse().map((e) => el("tr", {}, el("td", {}, HW.when(e.timestamp)), el("td", {}, HW.runLink(e.run_id)), el("td", {}, e.partition || ""),
          el("td", { class: "mono" }, e.data.metadata ? JSON.stringify(e.data.metadata) : "")))));
  }

  api("/api/assets/" + key.split("/").map(encodeURIComponent).join("/")).then(draw).catch((e) => HW.fill(root, HW.errorBox(e.message)));
})();
