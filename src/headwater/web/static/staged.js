// The asset page's "held back" notice: a new value a failed blocking check kept from being
// published, with Publish anyway and Discard. Shown above the page, whatever the page draws.
(function () {
  "use strict";
  const { el, api, when, runLink, errorBox } = HW;

  async function show() {
    const main = document.querySelector("main[data-key]");
    if (!main) return;
    const key = main.dataset.key;
    let data;
    try { data = await api("/api/staged?key=" + encodeURIComponent(key)); } catch (e) { return; }
    const old = document.getElementById("held-back");
    if (old) old.remove();
    if (!data.staged.length) return;
    const box = el("section", { id: "held-back", class: "held-back", role: "status" },
      el("h2", {}, "New value held back"));
    for (const held of data.staged) {
      const status = el("span", { class: "muted" });
      const settle = (how) => async () => {
        status.textContent = how === "publish" ? "publishing…" : "discarding…";
        try {
          await api("/api/staged/" + how, { key, run_id: held.run_id, partition: held.partition });
          status.textContent = how === "publish" ? "published" : "discarded";
          setTimeout(show, 300);
        } catch (e) { status.replaceChildren(errorBox(e.message)); }
      };
      box.append(el("p", {},
        held.reason, held.partition ? ` (partition ${held.partition})` : "", " — staged by run ", runLink(held.run_id),
        " at ", when(held.timestamp), " ",
        el("button", { type: "button", class: "publish-anyway", "data-needs": "publish", onclick: settle("publish") }, "Publish anyway"), " ",
        el("button", { type: "button", class: "discard", "data-needs": "publish", onclick: settle("discard") }, "Discard"), " ", status));
    }
    main.before(box);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
