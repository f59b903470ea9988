// Shared helpers of every page: DOM building without innerHTML, JSON fetches with the CSRF
// header, formatting, and the state colours. No framework, no build step.
"use strict";

const HW = (() => {
  const STATES = {
    fresh: "fresh", stale: "stale", missing: "missing", failed: "failed",
    running: "running", check_failed: "check failed",
  };
  const CODES = { f: "fresh", s: "stale", m: "missing", x: "failed", r: "running", c: "check_failed" };

  // el("a", {href: "/x", class: "y"}, "text", child): user strings only ever become text nodes.
  function el(tag, attrs, ...children) {
    const svg = ["svg", "g", "rect", "path", "text", "tspan", "line", "polyline", "circle", "title"].includes(tag);
    const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // node.replaceChildren, skipping null/false children and flattening arrays like el() does.
  function fill(node, ...children) {
    node.replaceChildren(...children.flat(3).filter((c) => c !== null && c !== undefined && c !== false));
  }

  function cookie(name) {
    for (const part of document.cookie.split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === name) return decodeURIComponent(v.join("="));
    }
    return "";
  }

  class ApiError extends Error {}

  async function api(path, body) {
    const options = { headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-Headwater-CSRF"] = cookie("headwater_csrf");
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new ApiError((data && data.error) || `${response.status} ${response.statusText}`);
    return data;
  }

  // A local date and time; ``ms``: with milliseconds (logs, events).
  function when(ts, ms) {
    if (!ts) return "never";
    const d = new Date(ts * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    const frac = ms ? "." + String(d.getMilliseconds()).padStart(3, "0") : "";
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}`;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
    if (seconds < 60) return `${seconds.toFixed(1)} s`;
    const m = Math.floor(seconds / 60);
    return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  function badge(state) {
    return el("span", { class: `badge st-${state}` }, STATES[state] || state);
  }

  function assetLink(key) {
    return el("a", { href: "/assets/" + key.split("/").map(encodeURIComponent).join("/") }, key);
  }

  function runLink(runId) {
    return el("a", { href: "/runs/" + encodeURIComponent(runId), class: "mono" }, runId.slice(0, 8));
  }

  function errorBox(message) {
    return el("pre", { class: "error", role: "alert" }, message);
  }

  function app() { return document.getElementById("app"); }

  // Launch (a selection string, or a full /api/launch body) and follow it until its run or backfill
  // exists; then open that page. Errors show in ``status``.
  async function materialize(request, status) {
    const body = typeof request === "string" ? { select: request } : request;
    // Partitioned assets without a partition: pick one in place (pick.js) instead of an error.
    if (!body.job && !body.partition && HW.pickPartition && await HW.pickPartition(body, status)) return;
    const say = (text, cls) => { if (status) { status.className = cls || "muted"; status.textContent = text; } };
    say(`launching ${body.job ? "job " + body.job : body.select}…`);
    try {
      await follow(await api("/api/launch", body), say);
    } catch (e) {
      say(e.message, "error");
    }
  }

  async function follow(launch, say) {
    for (;;) {
      const s = await api("/api/launches/" + launch.launch_id);
      if (s.status === "started") {
        window.location.href = s.backfill_id ? "/backfills/" + s.backfill_id : "/runs/" + s.run_id;
        return;
      }
      if (s.status === "failed") { say(s.error, "error"); return; }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // A progress bar: ``fraction`` of 0..1 with a label.
  function progress(fraction, label) {
    return el("span", { class: "progress" }, el("progress", { max: 1, value: fraction, title: label }), " ", label);
  }

  // Run ``fn`` ``ms`` after the last call.
  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // A metadata value as stored: a typed one ({"@type": kind, "value": ...}, from hw.MetadataValue)
  // shown as what it is, other dicts and lists as indented JSON, anything else as its JSON text.
  // Every user string becomes a text node; only http(s) URLs become links.
  function metadataValue(v) {
    const typed = v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 2 && "value" in v;
    const value = typed ? v.value : undefined;
    switch (typed ? v["@type"] : null) {
      case "markdown": return el("div", { class: "markdown" }, markdown(String(value)));
      case "url": return webUrl(value) ? el("a", { href: value, rel: "noopener noreferrer", target: "_blank" }, value) : String(value);
      case "path": return el("code", { class: "path" }, String(value));
      case "json": return el("pre", { class: "json" }, JSON.stringify(value, null, 2));
      case "table": return dataTable(value.columns || [], value.rows || [], value.schema || []);
      case "table_schema": return dataTable(["column", "type"], (value || []).map((c) => [c.name, c.type]), []);
      default: return v && typeof v === "object" ? el("pre", { class: "json" }, JSON.stringify(v, null, 2)) : JSON.stringify(v);
    }
  }

  function webUrl(text) {
    try { return ["http:", "https:"].includes(new URL(String(text)).protocol); } catch (e) { return false; }
  }

  function dataTable(columns, rows, schema) {
    const types = Object.fromEntries(schema.map((c) => [c.name, c.type]));
    const cell = (c) => (c === null || c === undefined ? "" : typeof c === "object" ? JSON.stringify(c) : String(c));
    return el("table", { class: "meta-table" },
      el("tr", {}, columns.map((c) => el("th", {}, c, types[c] ? el("span", { class: "muted" }, " " + types[c]) : null))),
      rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, cell(c))))));
  }

  // Markdown to elements, never through HTML: headings, lists, fenced code, paragraphs, and inline
  // code, bold, emphasis and http(s) links. What it does not know stays text.
  function markdown(text) {
    const out = [];
    const lines = text.replace(/\r\n?/g, "\n").split("\n");
    let para = [], list = null;
    const flush = () => {
      if (para.length) out.push(el("p", {}, inline(para.join(" "))));
      para = [];
      list = null;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      let m;
      if (line.startsWith("```")) {
        flush();
        const code = [];
        while (++i < lines.length && !lines[i].startsWith("```")) code.push(lines[i]);
        out.push(el("pre", {}, el("code", {}, code.join("\n"))));
      } else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        flush();
        out.push(el("h" + Math.min(3 + m[1].length, 6), {}, inline(m[2])));
      } else if ((m = /^\s*(?:[-*]|(\d+)\.)\s+(.*)$/.exec(line))) {
        if (para.length) flush();
        const tag = m[1] ? "ol" : "ul";
        if (!list || list.tagName.toLowerCase() !== tag) { list = el(tag, {}); out.push(list); }
        list.append(el("li", {}, inline(m[2])));
      } else if (!line.trim()) {
        flush();
      } else {
        list = null;
        para.push(line.trim());
      }
    }
    flush();
    return out;
  }

  function inline(text) {
    const parts = [];
    const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|(?<!\w)_([^_]+)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;
    let last = 0, m;
    while ((m = pattern.exec(text))) {
      parts.push(text.slice(last, m.index));
      if (m[1] !== undefined) parts.push(el("code", {}, m[1]));
      else if (m[2] !== undefined) parts.push(el("strong", {}, m[2]));
      else if (m[3] !== undefined || m[4] !== undefined) parts.push(el("em", {}, m[3] ?? m[4]));
      else parts.push(webUrl(m[6]) ? el("a", { href: m[6], rel: "noopener noreferrer" }, m[5]) : m[0]);
      last = pattern.lastIndex;
    }
    parts.push(text.slice(last));
    return parts.filter((p) => p !== "");
  }

  // Every page: when the definitions on disk stop loading, say why (file:line) above the page; when
  // they load again, reload the page so it shows the new version.
  async function watchDefinitions() {
    const box = document.getElementById("load-error");
    if (!box) return;
    let shown = null;
    for (;;) {
      try {
        const c = await api("/api/changes");
        if (c.load_error) {
          if (c.load_error !== shown) {
            const lead = c.version ? "The definitions no longer load; this page shows the last good version:" : "The definitions do not load:";
            fill(box, errorBox(lead + "\n" + c.load_error));
            box.hidden = false;
            shown = c.load_error;
          }
        } else if (shown !== null) {
          window.location.reload();
          return;
        }
      } catch (e) { /* the next poll retries */ }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  document.addEventListener("DOMContentLoaded", watchDefinitions);

  return { STATES, CODES, el, fill, api, when, duration, badge, assetLink, runLink, errorBox, app, materialize, follow, progress, debounce, cookie, metadataValue };
})();

// Who is signed in (GET /api/me): the header shows the user and a sign-out button and, for admins,
// an Audit link; body[data-can] lists the role's permissions, and app.css hides what the role may
// not do (elements marked data-needs="launch" and the pages' launch, cancel and switch buttons).
// The API refuses the same actions with a 403, hidden or not.
HW.me = (async () => {
  try {
    const me = await HW.api("/api/me");
    document.body.dataset.can = me.permissions.join(" ");
    const nav = document.querySelector("header.top nav");
    if (nav && me.permissions.includes("manage_users")) nav.append(HW.el("a", { href: "/audit", id: "nav-audit" }, "Audit"));
    const top = document.querySelector("header.top");
    if (top && me.login_required && me.user) {
      const signOut = async () => { await HW.api("/api/logout", {}); window.location.href = "/login"; };
      top.append(HW.el("span", { class: "whoami", id: "whoami" }, `${me.user} (${me.role}${me.scope ? " of " + me.scope : ""})`),
        HW.el("button", { id: "logout", onclick: signOut }, "Sign out"));
    }
    return me;
  } catch (e) { return null; }
})();
