// Referral outcomes on the planner page, beside the SIM table: referred → enrolled, median minutes to
// placement and decline reasons per need × intercept × program, with small counts shown as "<5".
import { api } from "./api.js";
import { $, h, fill } from "./dom.js";
import { t, needLabel } from "./i18n.js";

const COLUMNS = ["referred", "accepted", "declined", "enrolled", "no_show", "expired"];
let last = null;

function reasonsText(reasons) {
  return Object.entries(reasons || {}).map(([r, n]) => `${t(`ref.reason.${r}`, {}, r)}: ${n}`).join(", ") || "—";
}

export function renderOutcomes() {
  const box = $("#outcomes");
  if (!box || !last) return;
  if (!last.rows.length) { fill(box, h("p", { class: "muted" }, t("out.none"))); return; }
  fill(box,
    h("table", { class: "outcomes" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("out.need")), h("th", { scope: "col" }, t("out.intercept")),
        h("th", { scope: "col" }, t("out.program")),
        COLUMNS.map((c) => h("th", { scope: "col" }, t(`out.${c}`))),
        h("th", { scope: "col" }, t("out.median")), h("th", { scope: "col" }, t("out.reasons")))),
      h("tbody", {}, last.rows.map((row) => h("tr", { dataset: { need: row.need, intercept: String(row.intercept ?? "") } },
        h("th", { scope: "row" }, needLabel(row.need)), h("td", {}, row.intercept ?? "—"),
        h("td", {}, row.program || t("out.anyProgram")),
        COLUMNS.map((c) => h("td", { class: `count ${c}` }, String(row[c]))),
        h("td", {}, row.median_minutes_to_enroll ?? "—"), h("td", {}, reasonsText(row.decline_reasons)))))),
    h("p", { class: "muted small" }, t("out.suppressed")));
}

/** Loads the outcomes for the planner's filters (need, intercept, from, to) into #outcomes. */
export async function loadOutcomes(query) {
  const box = $("#outcomes");
  if (!box) return;
  try {
    last = await api("/v1/outcomes", { query });
  } catch (err) {
    last = null;
    fill(box, h("p", { class: "notice error" }, t("err.api", { detail: err.message })));
    return;
  }
  renderOutcomes();
}
