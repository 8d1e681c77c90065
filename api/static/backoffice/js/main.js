// The page's frame: sign-in (a pasted token, or in development a demo role), the
// navigation by role, the language of terms, and the router (#/campaign, #/case/ID...).

import { session } from "./api.js";
import { LANGUAGES } from "./labels.js";
import { h, message, preferences } from "./ui.js";
import * as campaign from "./pages/campaign.js";
import * as deadlines from "./pages/deadlines.js";
import * as worklist from "./pages/worklist.js";
import * as caseView from "./pages/case.js";
import * as necQueue from "./pages/nec.js";

const OFFICE_PAGES = [
  ["campaign", "Campaign", campaign],
  ["deadlines", "Deadlines", deadlines],
  ["worklist", "Worklist", worklist],
  ["case", "Case", caseView],
];
const EXPERT_PAGES = [["nec", "NEC queue", necQueue]];
const TOKEN_URL = "/backoffice/token";

const main = document.getElementById("main");
let cleanup = null;

function pagesFor(role) {
  return role === "expert" ? EXPERT_PAGES : OFFICE_PAGES;
}

function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const claims = session.claims;
  renderHeader(claims);
  main.replaceChildren();
  if (!claims) { signIn(); return; }
  const pages = pagesFor(claims.role);
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const found = pages.find(([key]) => key === name);
  if (!found) { location.replace(`#/${pages[0][0]}`); return; }
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${found[1]} · Bolashak back-office`;
  cleanup = found[2].render(main, rest.map(decodeURIComponent)) ?? null;
  main.focus({ preventScroll: true });
}

function renderHeader(claims) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(...(claims ? pagesFor(claims.role) : []).map(([key, title]) =>
    h("a", { href: `#/${key}`, dataset: { page: key } }, title)));
  document.getElementById("who").textContent = claims ? `${claims.sub} (${claims.role})` : "";
  document.getElementById("signout").hidden = !claims;
}

function signIn() {
  document.title = "Sign in · Bolashak back-office";
  const problem = h("div", { "aria-live": "assertive" });
  const tokenField = h("textarea", { id: "token", rows: 4, required: true, autocomplete: "off",
    spellcheck: "false", "aria-describedby": "token-help" });
  const form = h("form", { id: "signin", onsubmit: (event) => {
    event.preventDefault();
    start(tokenField.value.trim().replace(/^Bearer\s+/i, ""), problem);
  } },
  h("h1", {}, "Sign in"),
  h("p", { id: "token-help" }, "Paste a bearer token (", h("code", {}, "bolashak token --role officer --user officer-1"),
    "). Everything this page shows comes from the GraphQL API with it."),
  h("label", { for: "token" }, "Token"), tokenField,
  h("p", {}, h("button", { type: "submit" }, "Sign in")), problem);
  main.append(form);
  offerDemoRoles(problem);
}

/** In development mode the server mints demo users' tokens: a role picker. */
async function offerDemoRoles(problem) {
  let users;
  try {
    const response = await fetch(TOKEN_URL);
    if (!response.ok) return; // production: no picker
    users = (await response.json()).users;
  } catch { return; }
  if (!problem.isConnected) return; // the page moved on meanwhile
  const select = h("select", { id: "demo-role" },
    Object.entries(users).map(([user, role]) => h("option", { value: role }, `${role} (${user})`)));
  const picker = h("form", { id: "demo", class: "inline", onsubmit: async (event) => {
    event.preventDefault();
    const response = await fetch(TOKEN_URL, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ role: select.value }) });
    const answer = await response.json();
    if (!response.ok) { problem.replaceChildren(message(answer.error, "error")); return; }
    start(answer.token, problem);
  } },
  h("h2", {}, "Development mode: a demo user"),
  h("label", { for: "demo-role" }, "Role", select),
  h("button", { type: "submit" }, "Sign in as this role"));
  main.append(picker);
}

function start(token, problem) {
  session.token = token;
  if (!session.claims) {
    session.token = null;
    problem.replaceChildren(message("That is not a token (three dot-separated parts).", "error"));
    return;
  }
  const first = `#/${pagesFor(session.claims.role)[0][0]}`;
  if (location.hash === first) route();
  else location.hash = first; // the hashchange routes
}

function setUp() {
  const select = document.getElementById("lang");
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) =>
    h("option", { value: code, lang: code, selected: code === preferences.lang }, name)));
  select.addEventListener("change", () => { preferences.lang = select.value; route(); });
  document.getElementById("signout").addEventListener("click", () => {
    session.token = null;
    if (location.hash.length > 1) location.hash = ""; // the hashchange routes
    else route();
  });
  window.addEventListener("hashchange", route);
  route();
}

setUp();
