// The global search of every page: Ctrl-K (or ⌘K, or the header's Search button) opens a box that
// finds pages (the header's links), assets, runs, jobs, schedules and sensors (/api/search) as you
// type; arrows move, Enter opens, Escape closes.
"use strict";

(() => {
  const { el, api } = HW;
  const input = el("input", { id: "palette-input", type: "search", placeholder: "Search assets, runs, jobs and pages…", autocomplete: "off", spellcheck: "false", "aria-label": "Search" });
  const results = el("ul", { id: "palette-results", role: "listbox" });
  const box = el("div", { class: "palette", role: "dialog", "aria-modal": "true", "aria-label": "Search" }, input, results,
    el("div", { class: "muted palette-keys" }, "↑↓ move · Enter open · Esc close"));
  const backdrop = el("div", { id: "palette", class: "palette-backdrop", hidden: true, onclick: (e) => { if (e.target === backdrop) close(); } }, box);
  let items = [], active = 0, asked = 0, before = null;
  let stale = false, enterQueued = false;  // typed text not looked up yet; Enter waits for it

  const assetHref = (key) => "/assets/" + key.split("/").map(encodeURIComponent).join("/");
  function pages(text) {
    return [...document.querySelectorAll("header.top nav a")]
      .filter((a) => a.textContent.toLowerCase().includes(text))
      .map((a) => ({ kind: "page", label: a.textContent, href: a.getAttribute("href") }));
  }
  function show(found, more) {
    items = found;
    active = 0;
    const sections = [];
    let last = null;
    found.forEach((item, n) => {
      if (item.kind !== last) { sections.push(el("li", { class: "palette-kind", role: "presentation" }, item.kind + "s")); last = item.kind; }
      sections.push(el("li", { role: "option", class: n === active ? "active" : "", "data-kind": item.kind, "data-href": item.href,
        onmousemove: () => select(n), onclick: () => go(n) }, item.label, item.note ? el("span", { class: "muted" }, " " + item.note) : null));
    });
    if (more) sections.push(el("li", { class: "muted", role: "presentation" }, more));
    if (!found.length) sections.push(el("li", { class: "muted", role: "presentation" }, "nothing matches"));
    HW.fill(results, sections);
  }
  function answered(found, more) {
    stale = false;
    show(found, more);
    if (enterQueued) { enterQueued = false; go(active); }
  }
  function select(n) {
    active = n;
    results.querySelectorAll("[role=option]").forEach((li, i) => li.classList.toggle("active", i === n));
    const current = results.querySelectorAll("[role=option]")[n];
    if (current) current.scrollIntoView({ block: "nearest" });
  }
  function go(n) { const item = items[n]; if (item) window.location.href = item.href; }

  const lookUp = HW.debounce(async () => {
    const text = input.value.trim().toLowerCase();
    if (!text) { answered(pages(""), null); return; }
    const mine = ++asked;
    let found = { assets: [], asset_count: 0, runs: [], jobs: [], schedules: [], sensors: [] };
    try { found = await api("/api/search?q=" + encodeURIComponent(text)); } catch (e) { /* pages still match */ }
    if (mine !== asked) return;  // a newer text is being looked up
    answered([
      ...pages(text),
      ...found.assets.map((k) => ({ kind: "asset", label: k, href: assetHref(k) })),
      ...found.runs.map((r) => ({ kind: "run", label: r.run_id.slice(0, 8), note: `${r.status} · ${r.selection} · ${HW.when(r.created_at)}`, href: "/runs/" + encodeURIComponent(r.run_id) })),
      ...found.jobs.map((j) => ({ kind: "job", label: j, href: "/jobs" })),
      ...found.schedules.map((s) => ({ kind: "schedule", label: s, href: "/automation" })),
      ...found.sensors.map((s) => ({ kind: "sensor", label: s, href: "/automation" })),
    ], found.asset_count > found.assets.length ? `${found.asset_count.toLocaleString()} assets match: type more to narrow` : null);
  }, 120);

  function open() {
    if (!backdrop.hidden) { input.select(); return; }
    before = document.activeElement;
    backdrop.hidden = false;
    input.value = "";
    stale = enterQueued = false;
    show(pages(""), null);
    input.focus();
  }
  function close() {
    backdrop.hidden = true;
    if (before && before.focus) before.focus();
  }
  input.addEventListener("input", () => { stale = true; lookUp(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); select(Math.min(items.length - 1, active + 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); select(Math.max(0, active - 1)); }
    else if (e.key === "Enter") { e.preventDefault(); if (stale) enterQueued = true; else go(active); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
  });
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") { e.preventDefault(); open(); }
    else if (e.key === "Escape" && !backdrop.hidden) close();
  });
  document.body.append(backdrop);
  const header = document.querySelector("header.top");
  if (header) {
    const mac = /Mac|iPhone|iPad/.test(navigator.platform);
    header.insertBefore(el("button", { type: "button", id: "palette-open", class: "palette-open", title: "Search everything", onclick: open }, "Search ", el("kbd", {}, mac ? "⌘K" : "Ctrl K")), header.querySelector(".api"));
  }
  HW.openSearch = open;
})();
