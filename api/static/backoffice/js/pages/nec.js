// NEC queue, for an expert's token: anonymised candidates by interview slot. The expert
// schema has no personal field, and this page asks for none: applicant codes only.

import { query } from "../api.js";
import { CATEGORY, PROGRAMME } from "../labels.js";
import { h, message, table, term } from "../ui.js";

const PAGE_SIZE = 20;
const QUEUE = `query NecQueue($slotOn: Date, $first: Int!, $after: String) {
  interviewQueue(slotOn: $slotOn, first: $first, after: $after) {
    edges { node { applicationId applicantCode category programme specialty country language
      institution gpa kaztest languageCertificates slotAt sheets } }
    pageInfo { hasNextPage endCursor } } }`;

export function render(container) {
  const cursors = [null];
  const day = h("input", { type: "date", id: "slot-on" });
  const previous = h("button", { type: "button", id: "previous", onclick: () => { cursors.pop(); load(); } }, "Previous page");
  const next = h("button", { type: "button", id: "next", onclick: () => { cursors.push(next.dataset.after); load(); } }, "Next page");
  const body = h("div", { "aria-live": "polite" }, message("Loading the queue…"));
  day.addEventListener("change", () => { cursors.splice(1); load(); });
  container.append(h("h1", {}, "NEC interview queue"),
    h("p", {}, "Candidates with a booked interview, by applicant code only."),
    h("div", { class: "controls" }, h("label", { for: "slot-on" }, "Interviews on", day), previous, next), body);

  async function load() {
    try {
      const data = await query(QUEUE, { slotOn: day.value || null, first: PAGE_SIZE, after: cursors[cursors.length - 1] });
      const { edges, pageInfo } = data.interviewQueue;
      next.dataset.after = pageInfo.endCursor ?? "";
      next.disabled = !pageInfo.hasNextPage;
      previous.disabled = cursors.length === 1;
      body.replaceChildren(edges.length ? table(`Page ${cursors.length}`,
        ["Applicant code", "Slot", "Category", "Programme", "Specialty", "Country", "Language", "GPA", "KazTest", "Certificates", "Sheets"],
        edges.map(({ node: n }) => [n.applicantCode, n.slotAt ? n.slotAt.replace("T", " ").slice(0, 16) : "—",
          term(CATEGORY, n.category), term(PROGRAMME, n.programme), n.specialty, n.country, n.language,
          n.gpa ?? "—", n.kaztest ?? "—", n.languageCertificates || "—", n.sheets]), { id: "queue" })
        : h("p", {}, "No candidate waits for an interview."));
    } catch (e) { body.replaceChildren(message(e.message, "error")); }
  }
  load();
}
