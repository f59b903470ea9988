// One backfill: status, overall progress, each partition's run, and a cancel button (POST + CSRF).
// Refreshed every second until it has finished.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const id = root.dataset.backfill;
  const note = el("span", { id: "backfill-note", class: "muted" });

  async function cancel() {
    try { await api(`/api/backfills/${encodeURIComponent(id)}/cancel`, {}); note.textContent = "cancel requested"; }
    catch (e) { note.className = "error"; note.textContent = e.message; }
  }

  function draw(b) {
    const counts = Object.entries(b.counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s.replace("_", " ")}`).join(", ");
    HW.fill(root,
      el("h1", {}, "Backfill ", el("span", { class: "mono" }, b.backfill_id.slice(0, 8)), " ", el("span", { id: "backfill-status" }, HW.badge(b.status))),
      el("dl", {}, el("dt", {}, "selection"), el("dd", { class: "mono" }, b.selection),
        el("dt", {}, "partitions"), el("dd", { class: "mono" }, b.partitions || b.mode || "–"),
        el("dt", {}, "progress"), el("dd", { id: "backfill-progress" }, HW.progress(b.progress, `${b.succeeded + b.failed} of ${b.total} runs finished`), " ", counts),
        el("dt", {}, "created"), el("dd", {}, HW.when(b.created_at)),
        b.left_out && b.left_out.length ? [el("dt", {}, "left out"), el("dd", { class: "mono" }, b.left_out.join(", "))] : null,
        b.error ? [el("dt", {}, "error"), el("dd", { class: "error" }, b.error)] : null),
      el("div", { class: "actions" }, b.finished ? null : el("button", { id: "backfill-cancel", onclick: cancel }, "Cancel backfill"), note),
      el("h3", {}, `Partitions (${b.runs.length} of ${b.total} started)`),
      el("table", {}, el("thead", {}, el("tr", {}, ["#", "partition", "status", "run"].map((h) => el("th", {}, h)))),
        el("tbody", { id: "backfill-runs" }, b.runs.map((r) => el("tr", {}, el("td", {}, r.unit), el("td", { class: "mono" }, r.partition || "–"),
          el("td", {}, HW.badge(r.status)), el("td", {}, r.run_id ? HW.runLink(r.run_id) : "–"))))));
  }

  async function refresh() {
    try {
      const b = await api("/api/backfills/" + encodeURIComponent(id));
      draw(b);
      if (!b.finished) setTimeout(refresh, 1000);
    } catch (e) {
      HW.fill(root, HW.errorBox(e.message));
    }
  }
  refresh();
})();
