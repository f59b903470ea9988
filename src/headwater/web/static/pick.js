// The partition picker: materializing a selection that has partitioned assets, without a partition,
// asks for one in place (a key, START...END or a list; "latest" and "all" a click away) with the
// count and the problems /api/launch/check finds, instead of ending in an error. HW.materialize
// calls it; it draws itself after the status line it was given.
"use strict";

(() => {
  const { el, api } = HW;

  // Show the picker and answer true when ``body`` needs a partition; false to launch as it is (an
  // error in the check is left to the launch, which reports it).
  HW.pickPartition = async (body, status) => {
    let found;
    try { found = await api("/api/launch/check", { select: body.select }); } catch (e) { return false; }
    const info = found.partitions;
    if (!info) return false;
    const old = document.getElementById("partition-picker");
    if (old) old.remove();
    const hint = info.last ? (info.total > 1 ? `e.g. ${info.last} or ${info.first}...${info.last}` : `e.g. ${info.last}`) : "a partition key";
    const input = el("input", { id: "pick-partition", placeholder: hint, spellcheck: "false", autocomplete: "off", "aria-label": "Partition or range" });
    const count = el("div", { id: "pick-count", class: "muted" }, "Type a partition key, START...END for a backfill, or a list a,b,c.");
    const go = el("button", { type: "submit", class: "primary", id: "pick-launch", disabled: true }, "Launch");
    const names = info.assets.slice(0, 3).join(", ") + (info.assets.length > 3 ? ` and ${info.assets.length - 3} more` : "");
    const set = (value) => { input.value = value; refresh(); input.focus(); };
    const form = el("form", { id: "partition-picker", class: "picker card" },
      el("div", {}, el("strong", {}, "Pick partitions"), " for ", names, el("span", { class: "muted" }, ` · ${info.definition} · ${info.total.toLocaleString()} partitions`)),
      el("div", { class: "actions" }, input,
        info.last ? el("button", { type: "button", id: "pick-latest", onclick: () => set(info.last) }, `Latest (${info.last})`) : null,
        info.total > 1 ? el("button", { type: "button", id: "pick-all", onclick: () => set(`${info.first}...${info.last}`) }, `All ${info.total.toLocaleString()}`) : null,
        go, el("button", { type: "button", onclick: () => form.remove() }, "Cancel")),
      count);
    let asked = 0;
    const refresh = HW.debounce(async () => {
      const partition = input.value.trim();
      go.disabled = true;
      if (!partition) return;
      const mine = ++asked;
      let checked;
      try { checked = await api("/api/launch/check", { select: body.select, partition }); } catch (e) { checked = { problems: [e.message] }; }
      if (mine !== asked) return;  // a newer text is being checked
      if (checked.problems.length) {
        count.className = "error-text";
        count.textContent = checked.problems.join("; ");
        return;
      }
      const n = checked.partitions.selected;
      count.className = "muted";
      count.textContent = checked.kind === "backfill" ? `${n.toLocaleString()} partitions selected: launches a backfill (one run per partition)` : `partition ${partition}: one run`;
      go.disabled = false;
    }, 150);
    input.addEventListener("input", refresh);
    input.addEventListener("keydown", (e) => { if (e.key === "Escape") form.remove(); });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (go.disabled) return;
      form.remove();
      HW.materialize({ ...body, partition: input.value.trim() }, status);
    });
    if (status && status.parentNode) status.after(form); else HW.app().prepend(form);
    if (status) { status.className = "muted"; status.textContent = ""; }
    input.focus();
    return true;
  };
})();
