// The console's start: sign in, keep the live connection, and show the screen the address
// names (#/reports, #/reports/<id>). Every screen waits until the live subscription is
// registered before it loads, and loads again after a reconnect (docs/dashboards.md).

import { ApiError, SOCKET_URL, graphql } from "./api.js";
import { h } from "./dom.js";
import { STATUSES, TIER_LABELS } from "./format.js";
import { startLive } from "./live.js";
import { VIEWER } from "./operations.js";
import { partnerReportsScreen } from "./screens/partner-reports.js";
import { periodsScreen } from "./screens/periods.js";
import { reportScreen } from "./screens/report.js";
import { signInScreen } from "./screens/signin.js";
import { clearSession, loadSession, saveSession } from "./session.js";

const main = document.getElementById("main");
const announcer = document.getElementById("announcer");
const liveIndicator = document.getElementById("live");

const LIVE_TEXT = {
  off: "Not live",
  connecting: "Connecting…",
  subscribing: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  refused: "Signed out",
};

const ANNOUNCEMENT_MS = 8000;
let announcing = null;

const app = {
  demo: null,
  session: null,
  live: null,
  screen: null,
  message: null, // why the user was signed out, for the sign-in screen
};

const ctx = {
  get viewer() {
    return app.session.viewer;
  },
  query: (document, variables) => graphql(app.session.token, document, variables),
  announce(text) {
    clearTimeout(announcing);
    announcer.textContent = "";
    // a new text after a pause, so that the same message twice is read twice; shown a while
    announcing = setTimeout(() => {
      announcer.textContent = text;
      announcing = setTimeout(() => (announcer.textContent = ""), ANNOUNCEMENT_MS);
    }, 30);
  },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** The message to show for a failed request; a refused token signs out. */
  failed(error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      signOut("The service refused the token (revoked, expired or mistyped): sign in again.");
      return error.message;
    }
    return error instanceof ApiError ? `${error.message}${error.code ? ` (${error.code})` : ""}` : String(error);
  },
};

async function signIn(token) {
  if (!token) throw new Error("Paste a token first.");
  let data;
  try {
    data = await graphql(token, VIEWER);
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") throw new Error("The service refused this token: check that it is whole and still valid.");
    throw error;
  }
  app.session = { token, viewer: data.viewer };
  app.message = null;
  saveSession(app.session);
  startSession();
  ctx.navigate("#/reports");
}

function signOut(message = null) {
  app.live?.stop();
  app.live = null;
  app.session = null;
  app.message = message;
  clearSession();
  showHeader();
  ctx.navigate("#/");
}

function startSession() {
  showHeader();
  app.live = startLive({
    url: SOCKET_URL,
    token: app.session.token,
    onEvent: (event) => app.screen?.onEvent?.(event),
    onResync: () => app.screen?.refresh?.(),
    onState: (state) => {
      liveIndicator.dataset.state = state;
      liveIndicator.textContent = LIVE_TEXT[state] ?? state;
    },
    onRefused: () => signOut("The live connection refused the token (revoked or expired): sign in again."),
  });
}

function showHeader() {
  const top = document.getElementById("top");
  top.hidden = !app.session;
  if (!app.session) {
    liveIndicator.dataset.state = "off";
    liveIndicator.textContent = LIVE_TEXT.off;
    return;
  }
  const { organization, name } = app.session.viewer;
  document.getElementById("who").replaceChildren(
    h("span", { class: "organization", id: "organization-name" }, organization.name),
    h("span", { class: "tier" }, ` · ${TIER_LABELS[organization.tier]} · `),
    h("span", { class: "principal" }, name),
  );
}

/** "#/reports?status=APPROVED&period=2026-11" -> {path: "/reports", params} */
function address() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = hash.split("?");
  return { path, params: new URLSearchParams(query) };
}

async function route() {
  app.screen?.dispose?.();
  app.screen = null;
  const { path, params } = address();
  if (!app.session) {
    show(signInScreen({ demo: app.demo, message: app.message, signIn }));
    return;
  }
  let screen;
  const report = path.match(/^\/reports\/([^/]+)$/);
  if (report) {
    screen = reportScreen(ctx, decodeURIComponent(report[1]));
  } else if (path === "/reports" || path === "/") {
    screen =
      app.session.viewer.organization.tier === "TIER2"
        ? periodsScreen(ctx)
        : partnerReportsScreen(ctx, {
            statuses: params.getAll("status").filter((s) => STATUSES.includes(s)),
            period: params.get("period"),
          });
  } else {
    screen = {
      title: "Not found",
      element: h("div", { class: "screen" }, h("h1", { tabindex: "-1" }, "Nothing here"), h("p", {}, h("a", { href: "#/reports" }, "The reports"))),
    };
  }
  show(screen);
  // Subscribe, then load: the subscription is registered before the first read.
  await app.live.ready;
  if (app.screen === screen) await screen.load?.();
}

function show(screen) {
  app.screen = screen;
  document.title = `${screen.title} · Billing Reports console`;
  main.replaceChildren(screen.element);
  if (screen.focus) screen.focus();
  else main.querySelector("h1")?.focus({ preventScroll: true });
}

async function start() {
  document.getElementById("sign-out").addEventListener("click", () => signOut());
  document.getElementById("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  try {
    const response = await fetch("config.json", { headers: { Accept: "application/json" } });
    app.demo = response.ok ? (await response.json()).demo : null;
  } catch {
    app.demo = null;
  }
  app.session = loadSession();
  if (app.session) startSession();
  window.addEventListener("hashchange", route);
  await route();
}

start();
