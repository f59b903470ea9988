// The sign-in page: a user name and password posted to /api/login, then on to ?next= (a path of
// this site only, never another origin); with single sign-on configured (/api/me says oidc), also
// a link to /login/oidc, which signs in at the OpenID provider and comes back to the same ?next=.
"use strict";

(() => {
  const { el } = HW;
  const root = HW.app();
  const name = el("input", { id: "login-name", name: "username", autocomplete: "username", required: true });
  const password = el("input", { id: "login-password", type: "password", name: "password", autocomplete: "current-password", required: true });
  const status = el("p", { id: "login-status", class: "muted", role: "status" });
  const next = new URLSearchParams(window.location.search).get("next") || "/";
  const target = next.startsWith("/") && !next.startsWith("//") ? next : "/";

  async function submit(event) {
    event.preventDefault();
    status.className = "muted";
    status.textContent = "signing in…";
    try {
      if (!HW.cookie("headwater_csrf")) await HW.api("/api/csrf");
      await HW.api("/api/login", { name: name.value, password: password.value });
      window.location.href = target;
    } catch (err) {
      status.className = "error";
      status.textContent = err.message;
    }
  }

  HW.fill(root, el("h1", {}, "Sign in"),
    el("form", { id: "login-form", class: "form", onsubmit: submit },
      el("label", { for: "login-name" }, "User"), name,
      el("label", { for: "login-password" }, "Password"), password,
      el("button", { type: "submit", class: "primary", id: "login-go" }, "Sign in")),
    status);
  name.focus();
  HW.me.then((me) => {
    if (!me || !me.oidc) return;
    const sso = el("a", { id: "login-oidc", class: "button", href: "/login/oidc?next=" + encodeURIComponent(target) },
      "Sign in with single sign-on");
    root.insertBefore(el("p", {}, sso), status);
  });
})();
