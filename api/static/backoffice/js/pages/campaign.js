// Campaign: the funnel by stage, in all and per category, awards by category against the
// places (and the quotas, when the schema has `quotas`), intake per window, what the rules
// left to people. Kept live by the `dashboardUpdates` subscription.

import { hasQueryField, query, subscribe } from "../api.js";
import { CATEGORY, FUNNEL, label } from "../labels.js";
import { barChart, h, message, preferences, table, term } from "../ui.js";

export const DASHBOARD_FIELDS = `campaignYear awardsTarget
  funnel { key count } awardsByCategory { key count } awardsByProgramme { key count }
  byWindow { intakeWindow funnel { key count } }
  funnelByCategory { category funnel { key count } } work { key count }`;
const DASHBOARD = `query Campaign($year: Int!) { dashboard(year: $year) { ${DASHBOARD_FIELDS} } }`;
const LIVE = `subscription CampaignLive($year: Int!) {
  dashboardUpdates(year: $year) { ${DASHBOARD_FIELDS} } }`;
const YEARS = [2023, 2024, 2025];

export function render(container) {
  const year = Number(sessionStorage.getItem("bolashak.year") || YEARS[0]);
  const yearSelect = h("select", { id: "year", onchange: () => {
    sessionStorage.setItem("bolashak.year", yearSelect.value);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } }, YEARS.map((y) => h("option", { value: y, selected: y === year }, y)));
  const live = h("p", { class: "live", role: "status" }, "");
  const body = h("div", { id: "campaign" }, message("Loading the dashboard…"));
  const quotas = h("section", { id: "quotas", "aria-labelledby": "quotas-title" });
  container.append(h("h1", {}, `Campaign ${year}`),
    h("div", { class: "controls" }, h("label", { for: "year" }, "Campaign year", yearSelect)),
    live, body, quotas);
  query(DASHBOARD, { year }).then((data) => show(body, data.dashboard),
    (e) => body.replaceChildren(message(e.message, "error")));
  showQuotas(quotas, year);
  let updates = 0;
  return subscribe(LIVE, { year }, (data) => {
    updates += 1;
    live.textContent = `Live: ${updates} update${updates === 1 ? "" : "s"}, last at ${new Date().toLocaleTimeString()}`;
    show(body, data.dashboardUpdates);
  }, (problem) => { live.textContent = problem; });
}

function counts(list) {
  return Object.fromEntries(list.map(({ key, count }) => [key, count]));
}

function show(body, board) {
  const lang = preferences.lang;
  const awarded = counts(board.funnel).awarded ?? 0;
  const target = board.awardsTarget;
  const funnelRows = board.funnel.map(({ key, count }) =>
    [term(FUNNEL, key), h("span", { class: "number", dataset: { funnel: key } }, count)]);
  const categories = board.awardsByCategory.map(({ key, count }) =>
    [term(CATEGORY, key.toUpperCase()), h("span", { class: "number" }, count)]);
  const windows = board.byWindow.map((w) => ({ window: w.intakeWindow, ...counts(w.funnel) }));
  body.replaceChildren(
    h("p", { id: "places" }, target
      ? `Awards: ${awarded} of ${target} places (${Math.round((100 * awarded) / target)} %).`
      : `Awards: ${awarded}.`),
    h("div", { class: "grid" },
      h("section", { "aria-labelledby": "funnel-title" },
        h("h2", { id: "funnel-title" }, "Funnel by stage"),
        table("Cases that reached each step", ["Step", "Cases"], funnelRows, { id: "funnel" }),
        barChart("Funnel by stage", board.funnel.map((c) => label(FUNNEL, c.key, lang)),
          [{ label: "cases", data: board.funnel.map((c) => c.count) }], { horizontal: true })),
      h("section", { "aria-labelledby": "categories-title" },
        h("h2", { id: "categories-title" }, "Awards by category"),
        table("Scholarships awarded per category", ["Category", "Awards"], categories, { id: "awards-by-category" }),
        barChart("Awards by category", board.awardsByCategory.map((c) => label(CATEGORY, c.key, lang)),
          [{ label: "awards", data: board.awardsByCategory.map((c) => c.count) }], { horizontal: true })),
      categoryFunnels(board.funnelByCategory, board.funnel.map((c) => c.key), lang),
      h("section", { "aria-labelledby": "windows-title" },
        h("h2", { id: "windows-title" }, "Intake per window"),
        table("Applications per intake window", ["Window", "Submitted", "Eligible", "Awarded"],
          windows.map((w) => [`Window ${w.window}`, w.submitted ?? 0, w.eligible ?? 0, w.awarded ?? 0]),
          { id: "intake" }),
        barChart("Intake per window", windows.map((w) => `Window ${w.window}`), [
          { label: label(FUNNEL, "submitted", lang), data: windows.map((w) => w.submitted ?? 0) },
          { label: label(FUNNEL, "eligible", lang), data: windows.map((w) => w.eligible ?? 0) },
          { label: label(FUNNEL, "awarded", lang), data: windows.map((w) => w.awarded ?? 0) },
        ])),
      h("section", { "aria-labelledby": "work-title" },
        h("h2", { id: "work-title" }, "Left to people"),
        table("What the rules left to officers", ["Item", "Count"],
          board.work.map(({ key, count }) => [key.replace(/_/g, " "), count]), { id: "work" }))));
}

/** The funnel of each category: a table (a row per category, a column per step, each
 * number marked with its category and step) and the main steps charted side by side. */
function categoryFunnels(categories, steps, lang) {
  const rows = categories.map(({ category, funnel }) => {
    const step = counts(funnel);
    return [term(CATEGORY, category), ...steps.map((key) =>
      h("span", { class: "number", dataset: { category, funnel: key } }, step[key] ?? 0))];
  });
  const charted = ["submitted", "eligible", "interviewed", "awarded"];
  return h("section", { class: "wide", "aria-labelledby": "category-funnel-title" },
    h("h2", { id: "category-funnel-title" }, "Funnel by category"),
    h("div", { class: "scroll" }, table("Cases that reached each step, per category",
      ["Category", ...steps.map((key) => term(FUNNEL, key))], rows, { id: "funnel-by-category" })),
    barChart("Funnel by category", categories.map((c) => label(CATEGORY, c.category, lang)),
      charted.map((key) => ({
        label: label(FUNNEL, key, lang),
        data: categories.map((c) => counts(c.funnel)[key] ?? 0),
      }))));
}

/** Places and quotas per category, only when the schema has `quotas(year)` (a feature
 * check: the page works with servers before and after it). */
async function showQuotas(section, year) {
  const present = await hasQueryField("quotas", `(year: ${year})`);
  section.dataset.feature = present ? "present" : "absent";
  if (!present) return;
  try {
    const selection = await quotaSelection();
    const data = await query(`query Quotas($year: Int!) { quotas(year: $year) { ${selection} } }`, { year });
    section.append(h("h2", { id: "quotas-title" }, "Places and quotas"), renderObject(data.quotas));
  } catch (e) {
    section.append(h("h2", { id: "quotas-title" }, "Places and quotas"), message(e.message, "error"));
  }
}

/** The scalar fields of `quotas`' type, and of its object lists, from introspection
 * (development mode); in production a fixed selection. */
async function quotaSelection() {
  const fields = (type) => `__type(name: "${type}") { fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }`;
  try {
    const root = await query(`{ __schema { queryType { fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`);
    const quotaType = named(root.__schema.queryType.fields.find((f) => f.name === "quotas").type);
    const described = await query(`{ ${fields(quotaType)} }`);
    const parts = [];
    for (const f of described.__type.fields) {
      const inner = named(f.type);
      if (isScalar(f.type)) parts.push(f.name);
      else {
        const sub = await query(`{ ${fields(inner)} }`);
        const scalars = sub.__type.fields.filter((s) => isScalar(s.type)).map((s) => s.name);
        if (scalars.length) parts.push(`${f.name} { ${scalars.join(" ")} }`);
      }
    }
    return parts.join(" ");
  } catch {
    return "places used reserved returned";
  }
}

function named(type) { return type.name ?? named(type.ofType); }
function isScalar(type) {
  return type.kind === "SCALAR" || type.kind === "ENUM" || (type.ofType ? isScalar(type.ofType) : false);
}

function renderObject(value) {
  if (Array.isArray(value)) {
    if (!value.length) return h("p", {}, "none");
    const keys = Object.keys(value[0]);
    return table("", keys, value.map((row) => keys.map((k) => renderCell(k, row[k]))));
  }
  const scalars = Object.entries(value).filter(([, v]) => !isObject(v));
  const nested = Object.entries(value).filter(([, v]) => isObject(v));
  return h("div", {},
    table("Places", ["", "value"], scalars.map(([k, v]) => [k, renderCell(k, v)]), { id: "places-table" }),
    nested.map(([k, v]) => h("section", {}, h("h3", {}, k), renderObject(v))));
}

/** An object, or a list of objects or none (a list of strings is one cell). */
function isObject(value) {
  if (Array.isArray(value)) return !value.length || value.some((item) => item !== null && typeof item === "object");
  return value !== null && typeof value === "object";
}

function renderCell(key, value) {
  if (key === "category" && typeof value === "string") return term(CATEGORY, value);
  if (Array.isArray(value)) return value.join(", ") || "—";
  return value === null ? "—" : String(value);
}
