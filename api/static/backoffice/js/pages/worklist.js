// Worklist: what waits for an officer (cases the rules did not decide, packages missing
// documents), oldest first, with a filter and Relay paging; refreshed when the dashboard's
// counts change (the `dashboardUpdates` subscription).

import { query, subscribe } from "../api.js";
import { CATEGORY, STAGE } from "../labels.js";
import { formatDate, h, message, table, term } from "../ui.js";

const PAGE_SIZE = 20;
const WORKLIST = `query Worklist($item: WorklistItemKind, $first: Int!, $after: String) {
  officerWorklist(item: $item, first: $first, after: $after) {
    edges { cursor node { applicationId item applicantCode category stage step reason
      rulesetsTried missingDocuments since } }
    pageInfo { hasNextPage endCursor } } }`;
const LIVE = `subscription WorklistLive($year: Int!) { dashboardUpdates(year: $year) { work { key count } } }`;

export function render(container) {
  const state = { item: null, cursors: [null] }; // cursors[i]: the `after` of page i
  const filter = h("select", { id: "item", onchange: () => {
    state.item = filter.value || null;
    state.cursors = [null];
    load();
  } }, h("option", { value: "" }, "everything"), h("option", { value: "REVIEW" }, "review"),
  h("option", { value: "DOCUMENTS" }, "missing documents"));
  const previous = h("button", { type: "button", id: "previous", onclick: () => { state.cursors.pop(); load(); } }, "Previous page");
  const next = h("button", { type: "button", id: "next", onclick: () => { state.cursors.push(state.nextCursor); load(); } }, "Next page");
  const live = h("p", { class: "live", role: "status" });
  const body = h("div", { "aria-live": "polite" }, message("Loading the worklist…"));
  container.append(h("h1", {}, "Officer worklist"),
    h("div", { class: "controls" }, h("label", { for: "item" }, "Show", filter), previous, next),
    live, body);

  async function load() {
    const after = state.cursors[state.cursors.length - 1];
    try {
      const data = await query(WORKLIST, { item: state.item, first: PAGE_SIZE, after });
      const { edges, pageInfo } = data.officerWorklist;
      state.nextCursor = pageInfo.endCursor;
      next.disabled = !pageInfo.hasNextPage;
      previous.disabled = state.cursors.length === 1;
      body.replaceChildren(edges.length ? table(
        `Page ${state.cursors.length}: ${edges.length} item${edges.length === 1 ? "" : "s"}`,
        ["Applicant", "Item", "Category", "Stage", "Why", "Rulesets tried", "Since"],
        edges.map(({ node: n }) => [
          h("a", { href: `#/case/${n.applicationId}` }, n.applicantCode ?? n.applicationId),
          n.item,
          n.category ? term(CATEGORY, n.category) : "—",
          term(STAGE, n.stage.toUpperCase()),
          n.item === "DOCUMENTS" ? `missing: ${n.missingDocuments.join(", ")}` : [n.step, n.reason].filter(Boolean).join(": "),
          n.rulesetsTried.join(", ") || "—",
          formatDate(n.since),
        ]), { id: "worklist" }) : h("p", {}, "Nothing waits for an officer."));
    } catch (e) {
      body.replaceChildren(message(e.message, "error"));
    }
  }

  load();
  const year = Number(sessionStorage.getItem("bolashak.year") || 2023);
  let last = null;
  return subscribe(LIVE, { year }, (data) => {
    const work = JSON.stringify(data.dashboardUpdates.work);
    if (last !== null && work !== last) {
      live.textContent = `Updated at ${new Date().toLocaleTimeString()}`;
      load();
    }
    last = work;
  }, (problem) => { live.textContent = problem; });
}
