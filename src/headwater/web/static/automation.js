// The automation page: schedules and sensors (with each sensor's last evaluation time, duration and
// lag) with on/off switches (POST + CSRF), alerts with their open incidents, asset conditions
// with "why was / wasn't this requested" trees, and recent ticks. Refreshed every 3 s while visible.
"use strict";

(() => {
  const { el, api } = HW;
  const root = HW.app();
  const tables = el("div", { id: "automation" });
  const why = el("div", { id: "why" });
  const error = el("div");
  HW.fill(root, el("h1", {}, "Automation"), error, tables, why);

  async function toggle(name, enabled) {
    try { await api(`/api/automation/instigators/${encodeURIComponent(name)}`, { enabled }); await refresh(); }
    catch (e) { HW.fill(error, HW.errorBox(e.message)); }
  }
  function switchButton(name, on) {
    return [HW.badge(on ? "on" : "off"), " ", el("button", { "data-toggle": name, onclick: () => toggle(name, !on) }, on ? "Turn off" : "Turn on")];
  }
  function tree(node) {
    return el("li", { class: node.true ? "true" : "false" }, node.true ? "✓ " : "✗ ", node.condition,
      node.children ? el("ul", {}, node.children.map(tree)) : null);
  }
  async function explain(key) {
    try {
      const w = await api("/api/automation/why/" + key.split("/").map(encodeURIComponent).join("/"));
      HW.fill(why, el("h3", {}, `Why was ${w.key} requested or not?`), el("p", { class: "mono" }, w.condition || "no condition"),
        w.evaluations.length ? w.evaluations.map((e) => el("div", { class: "card" },
          el("strong", {}, HW.when(e.timestamp), ": ", e.requested ? "requested" : "not requested"), e.run_id ? [" ", HW.runLink(e.run_id)] : null,
          el("ul", { class: "tree" }, tree(e.tree)))) : el("p", { class: "muted" }, "No evaluation recorded yet: is `headwater daemon` running?"));
    } catch (e) { HW.fill(why, HW.errorBox(e.message)); }
  }

  function table(id, headers, rows) {
    return el("table", { id }, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))), el("tbody", {}, rows));
  }
  function draw(a) {
    const empty = (n, text) => el("tr", {}, el("td", { colspan: n, class: "muted" }, text));
    HW.fill(tables,
      a.load_error ? HW.errorBox(a.load_error) : null,
      el("h3", {}, "Schedules"),
      table("schedules", ["name", "status", "cron", "selection", "last tick", "next tick"], a.schedules.length ? a.schedules.map((s) => el("tr", { "data-name": s.name },
        el("td", {}, s.name), el("td", {}, switchButton(s.name, s.on)), el("td", { class: "mono" }, `${s.cron} (${s.timezone})`),
        el("td", { class: "mono" }, s.select), el("td", {}, HW.when(s.last_tick_at)), el("td", {}, HW.when(s.next_tick_at)))) : empty(6, "No schedules declared.")),
      el("h3", {}, "Sensors"),
      table("sensors", ["name", "status", "kind", "every", "selection", "last tick", "took", "lag", "cursor"], a.sensors.length ? a.sensors.map((s) => el("tr", { "data-name": s.name },
        el("td", {}, s.name), el("td", {}, switchButton(s.name, s.on)), el("td", {}, s.kind), el("td", {}, HW.duration(s.interval)),
        el("td", { class: "mono" }, s.select || ""), el("td", {}, HW.when(s.last_tick_at)),
        el("td", { "data-col": "took" }, HW.duration(s.last_duration)),
        el("td", { "data-col": "lag", title: "how late the last evaluation started after the sensor was due (or how overdue it is now)" }, HW.duration(s.lag)),
        el("td", { class: "mono" }, (s.cursor || "").slice(0, 40)))) : empty(9, "No sensors declared.")),
      el("h3", {}, "Alerts"),
      table("alerts", ["alert", "on", "targets", "last tick", "open incidents", "owed notices"], a.alerts.length ? a.alerts.map((al) => el("tr", { "data-name": al.name },
        el("td", {}, al.name), el("td", { class: "mono" }, al.describe), el("td", {}, al.targets.join(", ")), el("td", {}, HW.when(al.last_tick_at)),
        el("td", { "data-col": "open" }, al.open.length ? al.open.map((i) => el("div", {}, el("a", { href: i.url }, i.id), " ", i.summary)) : "none"),
        el("td", { "data-col": "owed", class: "error-text" }, al.owed.map((d) => el("div", {}, `${d.delivery} → ${d.target}: ${d.attempts} tries, ${d.error || ""}`))))) : empty(6, "No alerts declared (hw.Alert or [[alerts.rules]]).")),
      el("h3", {}, "Asset conditions ", switchButton(a.conditions.name, a.conditions.on)),
      table("conditions", ["asset", "condition", "last evaluated", "requested", "last requested", ""], a.conditions.assets.length ? a.conditions.assets.map((c) => el("tr", { "data-key": c.key },
        el("td", {}, HW.assetLink(c.key)), el("td", { class: "mono" }, c.condition), el("td", {}, HW.when(c.evaluated_at)),
        el("td", {}, c.requested === null ? "–" : c.requested ? "yes" : "no"), el("td", {}, c.last_run_id ? [HW.when(c.last_requested_at), " ", HW.runLink(c.last_run_id)] : "never"),
        el("td", {}, el("button", { "data-why": c.key, onclick: () => explain(c.key) }, "Why?")))) : empty(6, "No asset has an automation condition.")),
      el("h3", {}, "Recent ticks"),
      table("ticks", ["tick", "instigator", "when", "status", "runs", "error"], a.ticks.length ? a.ticks.map((t) => el("tr", {},
        el("td", {}, t.id), el("td", {}, t.instigator), el("td", {}, HW.when(t.timestamp)), el("td", {}, HW.badge(t.status)),
        el("td", {}, t.run_ids.map((r) => [HW.runLink(r), " "])), el("td", { class: "error-text" }, t.error || ""))) : empty(6, "No ticks yet: start `headwater daemon`.")));
  }
  async function refresh() {
    try { draw(await api("/api/automation")); HW.fill(error); } catch (e) { HW.fill(error, HW.errorBox(e.message)); }
  }
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 3000);
})();
