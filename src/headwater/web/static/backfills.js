// The backfills page: newest first, with status and progress; refreshed every 2 s while visible.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const body = el("tbody", { id: "backfills" });
  const error = el("div");
  HW.fill(root, el("h1", {}, "Backfills"), el("p", {}, el("a", { href: "/launch" }, "Launch a backfill"), el("span", { class: "muted" }, " (a partition range on the launch page)")), error,
    el("table", {}, el("thead", {}, el("tr", {}, ["backfill", "status", "progress", "selection", "partitions", "created"].map((h) => el("th", {}, h)))), body));

  async function refresh() {
    try {
      const data = await api("/api/backfills");
      HW.fill(error);
      HW.fill(body, data.backfills.map((b) => el("tr", { "data-backfill": b.backfill_id },
        el("td", {}, el("a", { href: "/backfills/" + b.backfill_id, class: "mono" }, b.backfill_id.slice(0, 8))),
        el("td", {}, HW.badge(b.status)), el("td", {}, HW.progress(b.progress, `${b.succeeded + b.failed} of ${b.total}` + (b.failed ? ` (${b.failed} failed)` : ""))),
        el("td", { class: "mono" }, b.selection), el("td", { class: "mono" }, b.partitions || b.mode || ""), el("td", {}, HW.when(b.created_at)))));
      if (!data.backfills.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No backfills yet.")));
    } catch (e) {
      HW.fill(error, HW.errorBox(e.message));
    }
  }
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 2000);
})();
