// The planner's hours grid: services open in each hour of a week (7 days × 24 hours) for one need,
// from GET /v1/gaps/hours, with the hours when none is open named underneath.
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { t, lang, needLabel } from "./i18n.js";
import { notice, problemText } from "./shell.js";

// Around the region's centre: the same circle the directory's default radius draws.
const RADIUS_KM = 15;
// How many runs of uncovered hours are listed before "and N more".
const RUNS_LISTED = 6;

function weekday(date) {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString(lang(), { weekday: "short", timeZone: "UTC" });
}

function heat(count) {
  if (count === null || count === undefined) return "skipped";
  return count === 0 ? "none" : count === 1 ? "one" : count <= 3 ? "few" : "many";
}

function grid(body, need) {
  const days = body.days || [];
  return h("table", { class: "hours-grid" },
    h("caption", { class: "sr-only" }, t("plan.hoursCaption", { need: needLabel(need.need) })),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""),
      [...Array(24).keys()].map((hour) => h("th", { scope: "col" }, String(hour).padStart(2, "0"))))),
    h("tbody", {}, days.map((day, d) => h("tr", {},
      h("th", { scope: "row", title: day.date }, weekday(day.date)),
      (need.open[d] || []).map((count, hour) => h("td", {
        class: `heat ${heat(count)}`,
        title: count === null ? t("plan.hourSkipped") : t("plan.hourOpen", {
          day: `${weekday(day.date)} ${day.date}`, hour: `${String(hour).padStart(2, "0")}:00`, n: count }),
      }, count === null ? "" : String(count)))))));
}

function uncovered(need) {
  const runs = need.none_open || [];
  if (!runs.length) return h("p", { class: "small" }, t("plan.allCovered"));
  const listed = runs.slice(0, RUNS_LISTED).map((r) => {
    const from = r.from.slice(0, 10), to = r.to.slice(0, 10);
    return h("li", {}, t("plan.noneOpenRun", { from: `${weekday(from)} ${r.from.slice(11, 16)}`,
      to: `${weekday(to)} ${r.to.slice(11, 16)}`, n: r.hours }));
  });
  const more = runs.length - listed.length;
  return h("div", { class: "none-open" },
    h("p", { class: "small" }, t("plan.noneOpen", { n: need.none_open_hours })),
    h("ul", { class: "small" }, listed, more > 0 ? h("li", {}, t("plan.andMore", { n: more })) : null));
}

/** Loads and draws the grid of `needCode` around `centre` into `box`. */
export async function showHours(box, needCode, centre) {
  if (!centre) { notice(box, t("plan.noData")); return; }
  box.setAttribute("aria-busy", "true");
  try {
    const body = await api("/v1/gaps/hours", { query: { need: needCode, lat: centre.lat, lon: centre.lon,
      radius_km: RADIUS_KM } });
    const need = (body.needs || [])[0];
    if (!need) { notice(box, t("plan.noData")); return; }
    fill(box,
      h("p", { class: "muted small" }, t(need.services === 1 ? "plan.hoursForOne" : "plan.hoursFor", { need: needLabel(need.need), km: RADIUS_KM,
        n: need.services, tz: body.timezone })),
      need.hours_unknown ? h("p", { class: "muted small" }, t("plan.hoursUnknown", { n: need.hours_unknown })) : null,
      h("div", { class: "table-wrap" }, grid(body, need)),
      uncovered(need));
  } catch (err) {
    notice(box, problemText(err), "error");
  } finally {
    box.setAttribute("aria-busy", "false");
  }
}
