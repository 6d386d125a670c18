// Directory page (211 operator, keyboard first): one search box, a place, a few filters, and each
// result's eligibility and hours at a glance.
import { api, listOf } from "../api.js";
import { $, h, fill } from "../dom.js";
import { t, needLabel, onLanguageChange } from "../i18n.js";
import { boot, notice } from "../shell.js";
import { km, scheduleLines, addressLine, eligibilityNotes, needsOf, languagesOf, languageName } from "../format.js";

const PER_PAGE = 20;
// Languages offered in the filter: the ones most asked for in US 211 calls after English.
const LANGUAGES = ["en", "es", "vi", "zh", "ru", "so", "ko", "ar", "am", "tl", "uk"];
const LAT_LON = /^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$/;

const state = { page: 1, last: null, config: null };

function fillSelects(config) {
  const need = $("#need");
  const chosenNeed = need.value;
  fill(need, h("option", { value: "" }, t("dir.anyNeed")),
    Object.keys(config.needs).map((code) => h("option", { value: code }, needLabel(code))));
  need.value = chosenNeed;
  const language = $("#language");
  const chosenLanguage = language.value;
  fill(language, h("option", { value: "" }, t("dir.anyLanguage")),
    LANGUAGES.map((code) => h("option", { value: code }, languageName(code))));
  language.value = chosenLanguage;
}

/** The query for GET /v1/service_at_locations from the form (place: postcode, or "lat, lon"). */
function searchQuery(page) {
  const query = { search: $("#q").value.trim(), need: $("#need").value, language: $("#language").value,
    page, per_page: PER_PAGE,
    // The full HSDS shape: eligibility attributes, schedules and addresses for the at-a-glance lines.
    full: "true" };
  const place = $("#place").value.trim();
  const point = place.match(LAT_LON);
  if (point) { query.lat = point[1]; query.lon = point[2]; } else if (place) query.postcode = place;
  if ($("#open-now").checked) query.open_at = new Date().toISOString();
  return query;
}

function resultItem(item) {
  const service = item.service || {};
  const location = item.location || {};
  const serviceId = service.id || item.service_id;
  const address = (location.addresses || [])[0];
  const hours = scheduleLines((item.schedules && item.schedules.length ? item.schedules : service.schedules) || []);
  const notes = eligibilityNotes(service);
  const needs = needsOf(service);
  const languages = languagesOf(service);
  const organization = (service.organization && service.organization.name) || "";
  return h("li", { class: "dir-item" },
    h("div", { class: "dir-head" },
      h("h2", {}, h("a", { href: `/services/${encodeURIComponent(serviceId)}` }, service.name || location.name || serviceId)),
      item.distance_km !== undefined && item.distance_km !== null ? h("span", { class: "distance" }, km(item.distance_km)) : null),
    organization ? h("p", { class: "org" }, organization) : null,
    address ? h("p", { class: "address" }, addressLine(address)) : null,
    h("dl", { class: "glance" },
      h("dt", {}, t("dir.hours")), h("dd", {}, hours.length ? hours.join("; ") : t("dir.hoursUnknown")),
      h("dt", {}, t("dir.who")), h("dd", {}, notes.length ? notes.map((n) => n.text).join(" · ") : t("dir.noLimits")),
      languages.length ? [h("dt", {}, t("dir.languages")), h("dd", {}, languages.join(", "))] : null),
    needs.length ? h("p", { class: "chips" }, needs.map((n) => h("span", { class: "chip" }, n))) : null);
}

async function runSearch(page = 1) {
  const list = $("#list");
  const count = $("#count");
  list.setAttribute("aria-busy", "true");
  count.textContent = t("dir.searching");
  try {
    const data = await api("/v1/service_at_locations", { query: searchQuery(page) });
    state.page = page;
    state.last = data;
    renderResults();
  } catch (err) {
    fill(list);
    notice(count, t("err.api", { detail: err.message }), "error");
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function renderResults() {
  const data = state.last;
  if (!data) return;
  const items = listOf(data);
  const total = data.total_items ?? items.length;
  $("#count").textContent = total ? t("dir.count", { n: total, page: data.page_number || state.page,
    pages: data.total_pages || 1 }) : t("dir.none");
  fill($("#list"), items.map(resultItem));
  $("#prev").hidden = Boolean(data.first_page ?? state.page <= 1);
  $("#next").hidden = Boolean(data.last_page ?? items.length < PER_PAGE);
}

boot(async ({ config }) => {
  state.config = config;
  fillSelects(config);
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); runSearch(1); });
  $("#prev").addEventListener("click", () => runSearch(Math.max(1, state.page - 1)));
  $("#next").addEventListener("click", () => runSearch(state.page + 1));
  // "/" jumps to the search box from anywhere but a text field, as in most directory tools.
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); $("#q").focus(); }
  });
  const params = new URLSearchParams(location.search);
  if (params.get("search")) { $("#q").value = params.get("search"); runSearch(1); }
  $("#q").focus();
  onLanguageChange(() => { fillSelects(config); renderResults(); });
});
