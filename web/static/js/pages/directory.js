// Directory page (211 operator, keyboard first): one search box, a place, a few filters, and each
// result's eligibility, hours, phone and capacity at a glance. The search lives in the URL, so Back,
// a reload or a shared link shows the same results.
import { api, listOf, ApiError } from "../api.js";
import { $, h, fill } from "../dom.js";
import { t, needLabel, onLanguageChange } from "../i18n.js";
import { boot, notice, problemText } from "../shell.js";
import { km, scheduleLines, addressLine, eligibilityNotes, needsOf, languagesOf, languageName } from "../format.js";
import { phoneLink } from "../contact.js";

const PER_PAGE = 20;
// Languages offered in the filter: the ones most asked for in US 211 calls after English.
const LANGUAGES = ["en", "es", "vi", "zh", "ru", "so", "ko", "ar", "am", "tl", "uk"];
const LAT_LON = /^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$/;
// The page's own URL parameters (what the form holds), not the API's.
const URL_FIELDS = ["search", "place", "need", "language", "open", "page"];

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

/** The form as the page's URL parameters. */
function formState(page) {
  return { search: $("#q").value.trim(), place: $("#place").value.trim(), need: $("#need").value,
    language: $("#language").value, open: $("#open-now").checked ? "1" : "", page: page > 1 ? String(page) : "" };
}

function urlOf(formValues) {
  const params = new URLSearchParams(Object.entries(formValues).filter(([, v]) => v));
  const qs = params.toString();
  return `${location.pathname}${qs ? `?${qs}` : ""}`;
}

/** Puts the URL's search back into the form; the page number it asks for. */
function restoreForm() {
  const params = new URLSearchParams(location.search);
  $("#q").value = params.get("search") || "";
  $("#place").value = params.get("place") || "";
  $("#need").value = params.get("need") || "";
  $("#language").value = params.get("language") || "";
  $("#open-now").checked = params.get("open") === "1";
  return URL_FIELDS.some((f) => f !== "page" && params.get(f)) ? Math.max(1, Number(params.get("page")) || 1) : 0;
}

/** The query for GET /v1/service_at_locations from the form (place: postcode, or "lat, lon"). */
function searchQuery(page) {
  const query = { search: $("#q").value.trim(), need: $("#need").value, language: $("#language").value,
    page, per_page: PER_PAGE,
    // The full HSDS shape: eligibility attributes, schedules, phones, addresses and capacity.
    full: "true" };
  const place = $("#place").value.trim();
  const point = place.match(LAT_LON);
  if (point) { query.lat = point[1]; query.lon = point[2]; } else if (place) query.postcode = place;
  if ($("#open-now").checked) query.open_at = new Date().toISOString();
  return query;
}

/** The first number to call: the service at this place, the place, the service, its organization. */
function firstPhone(item, service, location) {
  const all = [...(item.phones || []), ...(location.phones || []), ...(service.phones || []),
    ...((service.organization && service.organization.phones) || [])];
  return all.find((p) => p && p.number) || null;
}

function capacityLines(service) {
  return (service.capacities || []).slice(0, 2).map((c) => {
    const unit = (c.unit && (c.unit.name || c.unit.id)) || "";
    return c.maximum !== undefined && c.maximum !== null
      ? t("dir.capacityLine", { available: c.available ?? "?", maximum: c.maximum, unit })
      : t("dir.capacityOpen", { available: c.available ?? "?", unit });
  });
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
  const phone = phoneLink(firstPhone(item, service, location));
  const capacity = capacityLines(service);
  return h("li", { class: "dir-item" },
    h("div", { class: "dir-head" },
      h("h2", {}, h("a", { href: `/services/${encodeURIComponent(serviceId)}` }, service.name || location.name || serviceId)),
      item.distance_km !== undefined && item.distance_km !== null ? h("span", { class: "distance" }, km(item.distance_km)) : null),
    h("p", { class: "org" }, [organization, address ? addressLine(address) : ""].filter(Boolean).join(" · ")),
    h("dl", { class: "glance" },
      phone ? [h("dt", {}, t("dir.phone")), h("dd", {}, phone)] : null,
      capacity.length ? [h("dt", {}, t("dir.capacity")), h("dd", {}, capacity.join(" · "))] : null,
      h("dt", {}, t("dir.hours")), h("dd", {}, hours.length ? hours.join("; ") : t("dir.hoursUnknown")),
      h("dt", {}, t("dir.who")), h("dd", {}, notes.length ? notes.map((n) => n.text).join(" · ") : t("dir.noLimits")),
      languages.length ? [h("dt", {}, t("dir.languages")), h("dd", {}, languages.join(", "))] : null),
    needs.length ? h("p", { class: "chips" }, needs.map((n) => h("span", { class: "chip" }, n))) : null);
}

function problemOf(err) {
  const fields = (err instanceof ApiError && err.body && err.body.errors) || [];
  if (fields.some((e) => e.field === "postcode")) return t("dir.unknownPlace", { place: $("#place").value.trim() });
  return problemText(err);
}

/** Runs the form's search; `history` says how the URL follows: "push" (a new search), "replace"
 * (the page's first load) or "none" (Back / Forward already moved it). */
async function runSearch(page = 1, history = "push") {
  const list = $("#list");
  const count = $("#count");
  const url = urlOf(formState(page));
  if (history === "push" && url !== `${location.pathname}${location.search}`) window.history.pushState(null, "", url);
  else if (history === "replace") window.history.replaceState(null, "", url);
  try { sessionStorage.setItem("divert.directory", url); } catch { /* storage refused: Back still works */ }
  list.setAttribute("aria-busy", "true");
  count.textContent = t("dir.searching");
  try {
    const data = await api("/v1/service_at_locations", { query: searchQuery(page) });
    state.page = page;
    state.last = data;
    renderResults();
  } catch (err) {
    state.last = null;
    fill(list);
    $("#prev").hidden = true;
    $("#next").hidden = true;
    notice(count, problemOf(err), "error");
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function renderResults() {
  const data = state.last;
  if (!data) return;
  const items = listOf(data);
  const total = data.total_items ?? items.length;
  const where = { n: total, page: data.page_number || state.page, pages: data.total_pages || 1 };
  $("#count").textContent = total ? t(total === 1 ? "dir.countOne" : "dir.count", where) : t("dir.none");
  fill($("#list"), items.map(resultItem));
  $("#prev").hidden = Boolean(data.first_page ?? state.page <= 1);
  $("#next").hidden = Boolean(data.last_page ?? items.length < PER_PAGE);
}

function showFromUrl(history) {
  const page = restoreForm();
  if (page) { runSearch(page, history); return; }
  state.last = null;
  fill($("#list"));
  $("#count").textContent = "";
  $("#prev").hidden = true;
  $("#next").hidden = true;
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
  // Back and Forward: the URL already moved; show what it says.
  window.addEventListener("popstate", () => showFromUrl("none"));
  showFromUrl("replace");
  $("#q").focus();
  onLanguageChange(() => { fillSelects(config); renderResults(); });
});
