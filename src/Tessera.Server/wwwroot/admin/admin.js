// The admin page: signs in with cookie mode (HttpOnly cookies; this script never sees a token), keeps the CSRF
// token it is given in memory only, and polls the admin API. All text from the server goes in with textContent.
"use strict";

const state = { csrf: null, header: "X-CSRF-Token", timer: null };
const $ = (id) => document.getElementById(id);

async function call(method, path, body, retried) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers[state.header] = state.csrf;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (response.status === 401 && !retried && state.csrf && await refresh()) return call(method, path, body, true);
  return response;
}

async function refresh() {
  const response = await fetch("/auth/refresh", { method: "POST", headers: { [state.header]: state.csrf }, credentials: "same-origin" });
  if (!response.ok) return false;
  const body = await response.json();
  state.csrf = body.csrf_token;
  return true;
}

function show(signedIn) {
  $("sign-in").hidden = signedIn;
  $("dashboard").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  clearInterval(state.timer);
  if (signedIn) {
    load();
    state.timer = setInterval(load, 2000);
  }
}

async function load() {
  const [stats, page] = await Promise.all([call("GET", "/admin/api/stats"), call("GET", "/admin/api/sessions")]);
  if (stats.status === 401 || page.status === 401) { state.csrf = null; show(false); return; }
  if (!stats.ok || !page.ok) { $("status").textContent = "The server refused the admin API (" + stats.status + ")."; return; }
  const counts = await stats.json();
  $("users-online").textContent = counts.users_online;
  $("sessions").textContent = counts.sessions;
  $("active").textContent = counts.active_last_5m;
  render((await page.json()).sessions);
  $("status").textContent = "Updated " + new Date().toLocaleTimeString();
}

function render(sessions) {
  const rows = sessions.map((s) => {
    const row = document.createElement("tr");
    row.dataset.sessionId = s.session_id;
    row.dataset.user = s.username ?? s.user;
    for (const [text, css] of [[s.username ?? s.user], [s.user_agent ?? "", "agent"], [s.ip ?? ""], [when(s.created_at)], [when(s.last_seen_at)]]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (css) cell.className = css;
      row.append(cell);
    }
    const actions = document.createElement("td");
    actions.append(button("End session", "end-session", () => act("DELETE", "/admin/api/sessions/" + encodeURIComponent(s.session_id))));
    actions.append(" ", button("Kick user", "kick-user", () => act("DELETE", "/admin/api/users/" + encodeURIComponent(s.username ?? "") + "/sessions")));
    row.append(actions);
    return row;
  });
  $("session-table").tBodies[0].replaceChildren(...rows);
}

function button(label, css, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.className = css;
  b.addEventListener("click", onClick);
  return b;
}

async function act(method, path) {
  const response = await call(method, path);
  $("status").textContent = response.ok ? "Done." : "Refused (" + response.status + ").";
  await load();
}

const when = (iso) => new Date(iso).toLocaleString();

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  const response = await fetch("/auth/login?mode=cookie", {
    method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
    body: JSON.stringify({ username: $("username").value, password: $("password").value }),
  });
  $("password").value = "";
  if (!response.ok) {
    $("sign-in-error").textContent = response.status === 429 ? "Too many attempts; wait a minute." : "Wrong user name or password.";
    return;
  }
  const body = await response.json();
  state.csrf = body.csrf_token;
  state.header = body.csrf_header;
  const me = await call("GET", "/auth/me");
  const roles = me.ok ? (await me.json()).roles : [];
  if (!roles.includes("admin")) { $("sign-in-error").textContent = "This account is not an administrator."; await call("POST", "/auth/logout"); state.csrf = null; return; }
  show(true);
});

$("sign-out").addEventListener("click", async () => {
  await call("POST", "/auth/logout");
  state.csrf = null;
  show(false);
});

// Already signed in (cookies from an earlier visit)? /auth/me tells, and hands back the CSRF token.
(async () => {
  const me = await fetch("/auth/me", { credentials: "same-origin" });
  if (me.ok) {
    const body = await me.json();
    if (body.csrf_token && body.roles.includes("admin")) { state.csrf = body.csrf_token; show(true); return; }
  }
  show(false);
})();
