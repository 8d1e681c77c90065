// Campaign: the funnel by stage, in all and per category, awards by category against the
// places and the quota ledger's counts per category, intake per window, what the rules
// left to people. Kept live by the `dashboardUpdates` subscription.

import { query, subscribe } from "../api.js";
import { CATEGORY, FUNNEL, label } from "../labels.js";
import { barChart, h, message, preferences, table, term } from "../ui.js";

export const DASHBOARD_FIELDS = `campaignYear awardsTarget
  funnel { key count } awardsByCategory { key count } awardsByProgramme { key count }
  byWindow { intakeWindow funnel { key count } }
  funnelByCategory { category funnel { key count } } work { key count }
  places { places used available returned }`;
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

/** The places the awards hold now, from the quota ledger's counts (an award revoked or
 * declined returned its place), or, before the first award, the awards against the target. */
function placesLine(awarded, target, places) {
  if (places && places.places) {
    const share = Math.round((100 * places.used) / places.places);
    return `Places: ${places.used} of ${places.places} used (${share} %), ${places.available} left;`
      + ` ${awarded} awards, ${places.returned} places returned.`;
  }
  return target ? `Awards: ${awarded} of ${target} places.` : `Awards: ${awarded}.`;
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
    h("p", { id: "places" }, placesLine(awarded, target, board.places)),
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

const PLACE_COUNTS = "places used available reserved returned overridden";
const QUOTAS = `query Quotas($year: Int!) { quotas(year: $year) {
  opened placesSource rulesets total { ${PLACE_COUNTS} }
  categories { category counts { ${PLACE_COUNTS} } }
  overrides { applicationId category rule places used reason actorId occurredOn } } }`;
const COUNT_HEADERS = ["places", "used", "available", "reserved", "returned", "overridden"];

/** The campaign's quota ledger: its places in all and per category (used, available,
 * reserved, returned, overridden), a chart of the places used and left per category, and
 * the awards made beyond the places with the commission's reason. */
async function showQuotas(section, year) {
  const title = h("h2", { id: "quotas-title" }, "Places and quotas");
  try {
    const { quotas } = await query(QUOTAS, { year });
    const lang = preferences.lang;
    const row = (name, category, c) => [name, ...COUNT_HEADERS.map((key) =>
      h("span", { class: "number", dataset: { category, quota: key } }, c[key] ?? "—"))];
    const rows = [row("All places", "all", quotas.total),
      ...quotas.categories.map((c) => row(term(CATEGORY, c.category.toUpperCase()), c.category, c.counts))];
    const shares = quotas.categories.filter((c) => c.counts.places !== null);
    section.replaceChildren(title,
      h("p", {}, quotas.opened
        ? `The ledger is open: places from ${quotas.placesSource}, rulesets ${quotas.rulesets.join(", ")}.`
        : `No award yet: the ledger opens at the first one, with these places (rulesets ${quotas.rulesets.join(", ")}).`),
      table("Places: in all and per category", ["", ...COUNT_HEADERS], rows, { id: "places-table" }),
      shares.length ? barChart("Places used and left, per category with a share",
        shares.map((c) => label(CATEGORY, c.category.toUpperCase(), lang)),
        [{ label: "used", data: shares.map((c) => c.counts.used) },
          { label: "available", data: shares.map((c) => c.counts.available ?? 0) }],
        { stacked: true }) : "",
      quotas.overrides.length
        ? table("Awards beyond the places (overrides)", ["case", "category", "rule", "places", "used", "reason", "by", "on"],
          quotas.overrides.map((o) => [o.applicationId, term(CATEGORY, o.category.toUpperCase()), o.rule,
            o.places, o.used, o.reason, o.actorId, o.occurredOn]), { id: "overrides-table" })
        : h("p", {}, "No award beyond the places."));
  } catch (e) {
    section.replaceChildren(title, message(e.message, "error"));
  }
}
