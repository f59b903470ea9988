// The audit page: who launched, canceled, switched, signed in or changed users, newest first, from
// /api/audit, filtered by user and action (kept in the address as ?user=&action=).
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const params = new URLSearchParams(window.location.search);
  const user = el("input", { id: "audit-user", placeholder: "any user", value: params.get("user") || "" });
  const action = el("select", { id: "audit-action" }, el("option", { value: "" }, "any action"));
  const body = el("tbody", { id: "audit-rows" });
  const error = el("div");

  function details(d) {
    return Object.entries(d || {}).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
  }
  function row(e) {
    return el("tr", { "data-action": e.action },
      el("td", {}, HW.when(e.timestamp)),
      el("td", { class: "audit-actor" }, e.actor),
      el("td", {}, e.action),
      el("td", { class: "mono" }, e.source || ""),
      el("td", { class: "mono" }, e.target || ""),
      el("td", { class: "mono" }, details(e.details)));
  }
  async function load() {
    const query = new URLSearchParams();
    if (user.value.trim()) query.set("user", user.value.trim());
    if (action.value) query.set("action", action.value);
    history.replaceState(null, "", "/audit" + (query.toString() ? "?" + query : ""));
    try {
      const data = await api("/api/audit?" + query);
      if (action.options.length === 1) {
        for (const name of data.actions) action.append(el("option", { value: name }, name));
        action.value = params.get("action") || "";
      }
      HW.fill(error);
      HW.fill(body, data.entries.length ? data.entries.map(row) : el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No entries match.")));
    } catch (err) {
      HW.fill(error, HW.errorBox(err.message));
    }
  }

  HW.fill(root, el("h1", {}, "Audit log"),
    el("p", { class: "muted" }, "Every state-changing action: launches, cancels, switches, sign-ins and user changes. Also `headwater audit list`."),
    el("form", { class: "selectform", id: "audit-filter", onsubmit: (e) => { e.preventDefault(); load(); } },
      user, action, el("button", { type: "submit", id: "audit-apply" }, "Filter")),
    error,
    el("table", {}, el("thead", {}, el("tr", {}, ["when", "user", "action", "from", "target", "details"].map((h) => el("th", {}, h)))), body));
  action.addEventListener("change", load);
  load();
})();
