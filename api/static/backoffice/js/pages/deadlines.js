// Deadlines: contracts due within their 90 days, the commission's protocols and the eGov
// answers; open ones, overdue first, then by due date.

import { query } from "../api.js";
import { CATEGORY, DEADLINE_KIND } from "../labels.js";
import { formatDate, h, message, table, term } from "../ui.js";

const FIELDS = "applicationId kind applicantCode category dueOn daysLeft overdue state";
const KINDS = ["CONTRACT", "COMMISSION_PROTOCOL", "EGOV_INTAKE"];
const PER_KIND = 100;
const DEADLINES = `query Deadlines($first: Int!) {
  ${KINDS.map((k) => `${k.toLowerCase()}: deadlines(kind: ${k}, state: OPEN, first: $first) {
    edges { node { ${FIELDS} } } pageInfo { hasNextPage } }`).join("\n  ")} }`;

export function render(container) {
  const body = h("div", {}, message("Loading the deadlines…"));
  container.append(h("h1", {}, "Deadlines"),
    h("p", {}, "Open deadlines: contracts due within 90 days of the award, the commission's protocols and the eGov answers (2 working days). Overdue first."),
    body);
  query(DEADLINES, { first: PER_KIND }).then((data) => {
    body.replaceChildren(...KINDS.map((kind) => section(kind.toLowerCase(), data[kind.toLowerCase()])));
  }, (e) => body.replaceChildren(message(e.message, "error")));
}

function section(kind, connection) {
  const rows = connection.edges.map((e) => e.node)
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueOn.localeCompare(b.dueOn));
  const overdue = rows.filter((r) => r.overdue).length;
  const more = connection.pageInfo.hasNextPage ? ` (the first ${PER_KIND})` : "";
  return h("section", { "aria-labelledby": `${kind}-title` },
    h("h2", { id: `${kind}-title` }, term(DEADLINE_KIND, kind), ` — ${rows.length} open${more}, ${overdue} overdue`),
    rows.length ? table(`Open ${kind.replace(/_/g, " ")} deadlines`, ["Applicant", "Category", "Due", "Days left", "State"],
      rows.map((r) => [
        h("a", { href: `#/case/${r.applicationId}` }, r.applicantCode ?? r.applicationId),
        r.category ? term(CATEGORY, r.category) : "—",
        formatDate(r.dueOn),
        h("span", { class: r.overdue ? "overdue" : "" }, r.overdue ? `${-r.daysLeft} days overdue` : String(r.daysLeft)),
        r.state,
      ]), { id: `deadlines-${kind}` }) : h("p", {}, "None open."));
}
