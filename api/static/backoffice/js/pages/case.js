// Case: the timeline of a case's events with the rulesets and facts of each decision
// (`caseHistory`), an as-of slider by version or business date, the diff between two
// versions, and the HTML audit export an auditor files (`auditExport`, the same page as
// `bolashak audit export`), opened or saved from a Blob URL. No personal data is asked for:
// neither the applicant, nor the events' own data, nor the export's personal data.

import { query } from "../api.js";
import { CATEGORY, STAGE } from "../labels.js";
import { formatDate, h, message, table, term } from "../ui.js";

const STATE = "stage status category programme applicantCode version lastEventOn awardedOn contractDeadline";
const HISTORY = `query CaseHistory($id: ID!, $version: Int, $date: Date) {
  caseHistory(applicationId: $id, asOfVersion: $version, asOfDate: $date) {
    applicationId asOfVersion
    events { version type occurredOn recordedAt actorId actorRole command reason rulesets facts }
    state { ${STATE} } } }`;
const DIFF = `query CaseDiff($id: ID!, $from: Int!, $to: Int!) {
  caseHistory(applicationId: $id, asOfVersion: $to) {
    diff(fromVersion: $from, toVersion: $to) { fromVersion toVersion changes { field before after } } } }`;
const EXPORT = `query AuditExport($id: ID!) { auditExport(applicationId: $id, format: HTML) }`;
const FIND = `query FindCase($code: String!) {
  applications(filter: { code: $code }, first: 10) { edges { node { id applicantCode stage } } } }`;

export function render(container, [id]) {
  container.append(h("h1", {}, "Case"), finder());
  if (id) showCase(container, id);
}

function finder() {
  const field = h("input", { id: "find", name: "find", required: true, autocomplete: "off",
    placeholder: "BA-XXXX-XXXX or a case id" });
  const found = h("div", { "aria-live": "polite" });
  return h("form", { class: "inline", role: "search", onsubmit: async (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (/^[0-9a-f-]{36}$/i.test(text)) { location.hash = `#/case/${text}`; return; }
    try {
      const edges = (await query(FIND, { code: text })).applications.edges;
      found.replaceChildren(edges.length ? h("ul", {}, edges.map(({ node }) =>
        h("li", {}, h("a", { href: `#/case/${node.id}` }, node.applicantCode), " ", term(STAGE, node.stage))))
        : message("No case with that code."));
    } catch (e) { found.replaceChildren(message(e.message, "error")); }
  } }, h("label", { for: "find" }, "Applicant code or case id", field),
  h("button", { type: "submit" }, "Find"), found);
}

async function showCase(container, id) {
  const view = h("div", { id: "case" }, message("Replaying the case…"));
  container.append(view);
  let latest;
  try {
    latest = (await query(HISTORY, { id, version: null, date: null })).caseHistory;
  } catch (e) { view.replaceChildren(message(e.message, "error")); return; }
  if (!latest) { view.replaceChildren(message("No such case.", "error")); return; }
  const last = latest.asOfVersion;
  const slider = h("input", { type: "range", id: "as-of", min: 1, max: last, value: last, step: 1,
    "aria-valuetext": `version ${last}` });
  const shown = h("output", { for: "as-of", id: "as-of-shown" }, `version ${last} of ${last}`);
  const date = h("input", { type: "date", id: "as-of-date", min: latest.events[0].occurredOn,
    max: latest.events[last - 1].occurredOn });
  const replay = h("div", { id: "replay", "aria-live": "polite" });
  const from = h("input", { type: "number", id: "diff-from", min: 1, max: last, value: Math.max(1, last - 1) });
  const to = h("input", { type: "number", id: "diff-to", min: 1, max: last, value: last });
  const diffShown = h("div", { id: "diff", "aria-live": "polite" });
  let request = 0;

  async function replayAs(variables, description) {
    const mine = ++request;
    try {
      const history = (await query(HISTORY, { id, ...variables })).caseHistory;
      if (mine !== request) return; // a later move of the slider won
      slider.value = history.asOfVersion;
      slider.setAttribute("aria-valuetext", `version ${history.asOfVersion}`);
      shown.textContent = `version ${history.asOfVersion} of ${last}${description}`;
      replay.replaceChildren(stateTable(history.state), timeline(history.events));
    } catch (e) { replay.replaceChildren(message(e.message, "error")); }
  }

  slider.addEventListener("input", () => {
    date.value = "";
    replayAs({ version: Number(slider.value), date: null }, "");
  });
  date.addEventListener("change", () => {
    if (date.value) replayAs({ version: null, date: date.value }, ` (as of ${date.value})`);
  });
  view.replaceChildren(
    h("h2", {}, latest.state?.applicantCode ?? id),
    h("p", {}, `Case ${id}: ${last} events. Replayed from the event store; move the slider to see it as it was.`),
    h("div", { class: "controls" },
      h("label", { for: "as-of" }, "As of version", slider), shown,
      h("label", { for: "as-of-date" }, "or as of the business date", date)),
    replay,
    h("h2", {}, "Diff between two versions"),
    h("form", { class: "inline", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const answer = (await query(DIFF, { id, from: Number(from.value), to: Number(to.value) })).caseHistory.diff;
        diffShown.replaceChildren(answer.changes.length ? table(
          `Changes from version ${answer.fromVersion} to ${answer.toVersion}`, ["Field", "Before", "After"],
          answer.changes.map((c) => [c.field, c.before, c.after]), { id: "diff-table" })
          : message("No change between these versions."));
      } catch (e) { diffShown.replaceChildren(message(e.message, "error")); }
    } }, h("label", { for: "diff-from" }, "From version", from), h("label", { for: "diff-to" }, "to version", to),
    h("button", { type: "submit" }, "Show the diff")),
    diffShown,
    auditExport(id));
  replayAs({ version: last, date: null }, "");
}

/** The button that asks the API for the case's HTML audit export, then offers it to open
 * in a new tab or to save (a Blob URL of this page's origin: nothing leaves the browser). */
function auditExport(id) {
  const offered = h("p", { id: "audit-export-offer", "aria-live": "polite" });
  let address = null;
  const button = h("button", { type: "button", id: "audit-export", onclick: async () => {
    button.disabled = true;
    try {
      const page = (await query(EXPORT, { id })).auditExport;
      if (page === null) { offered.replaceChildren(message("No such case.", "error")); return; }
      if (address) URL.revokeObjectURL(address);
      address = URL.createObjectURL(new Blob([page], { type: "text/html;charset=utf-8" }));
      offered.replaceChildren("The export is ready: ",
        h("a", { id: "audit-export-open", href: address, target: "_blank", rel: "noopener" }, "open it in a new tab"),
        " or ", h("a", { id: "audit-export-save", href: address, download: `case-${id}-audit.html` }, "save it"),
        ".");
    } catch (e) { offered.replaceChildren(message(e.message, "error")); } finally { button.disabled = false; }
  } }, "Export the audit timeline (HTML)");
  return h("section", { "aria-labelledby": "audit-export-title" },
    h("h2", { id: "audit-export-title" }, "Audit export"),
    h("p", {}, "The whole timeline as an auditor files it: one self-contained page with the hash chain checked,"
      + " without personal data (the same as ", h("code", {}, `bolashak audit export ${id} --format html`), ")."),
    button, offered);
}

function stateTable(state) {
  if (!state) return message("The case did not exist yet.");
  return table("The case as of this version", ["Field", "Value"], [
    ["Stage", term(STAGE, state.stage)], ["Status", state.status],
    ["Category", term(CATEGORY, state.category)], ["Programme", state.programme],
    ["Version", state.version], ["Last event on", formatDate(state.lastEventOn)],
    ["Awarded on", formatDate(state.awardedOn)], ["Contract deadline", formatDate(state.contractDeadline)],
  ], { id: "state" });
}

function timeline(events) {
  return table("Timeline: each event, who recorded it, and the rulesets and facts of each decision",
    ["Version", "Event", "Business date", "Recorded", "By", "Rulesets", "Facts", "Reason"],
    events.map((e) => [e.version, e.type, formatDate(e.occurredOn), e.recordedAt.replace("T", " ").slice(0, 19),
      `${e.actorId} (${e.actorRole.toLowerCase()})`, e.rulesets.join(", ") || "—",
      Object.keys(e.facts ?? {}).length ? h("pre", { class: "facts" }, facts(e.facts)) : "—",
      e.reason || "—"]), { id: "timeline" });
}

function facts(value) {
  return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("\n");
}
