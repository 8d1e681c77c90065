// Small DOM helpers: elements, accessible tables, charts (Chart.js, vendored), terms in
// the chosen language.

import { label } from "./labels.js";

/** An element with attributes (`on*` become listeners) and children (strings are text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

export const preferences = {
  get lang() { return localStorage.getItem("bolashak.lang") || "ru"; },
  set lang(value) { localStorage.setItem("bolashak.lang", value); },
};

/** A term (stage, category...) in the chosen language, marked with its language. */
export function term(table, key) {
  const lang = preferences.lang;
  return h("span", { lang, title: String(key) }, label(table, key, lang));
}

/** A table with a caption and column headers; `rows` are arrays of cells. */
export function table(caption, headers, rows, attributes = {}) {
  return h("table", attributes,
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) =>
      i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell))))));
}

const PALETTE = ["#1f4e79", "#b35900", "#2d6a2d", "#7a1f5c", "#4d4d4d", "#006d77"];

/** A bar chart (an image to assistive technology: the table beside it has the numbers). */
export function barChart(title, labels, series, { horizontal = false, stacked = false } = {}) {
  const canvas = h("canvas", { role: "img", "aria-label": `${title} (chart; numbers in the table)` });
  const frame = h("div", { class: "chart" }, canvas);
  if (globalThis.Chart) {
    const chart = new globalThis.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels.map((text) => (text.length > 32 ? `${text.slice(0, 31)}…` : text)),
        datasets: series.map((s, i) => ({
          label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
        plugins: { legend: { display: series.length > 1 }, title: { display: true, text: title } },
      },
    });
    frame.chart = chart;
  }
  return frame;
}

export function message(text, kind = "info") {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function formatDate(value) {
  return value ? String(value).slice(0, 10) : "—";
}
