// Service detail page: everything HSDS holds about one service, capacity history as sparklines, and a
// "report a problem" form for operators who find something wrong.
import { api } from "../api.js";
import { $, h, s, fill } from "../dom.js";
import { t, onLanguageChange } from "../i18n.js";
import { boot, notice, problemText } from "../shell.js";
import {
  timeAgo, dateTime, scheduleLines, addressLine, eligibilityNotes, needsOf, interceptsOf, languagesOf, mapLinks,
} from "../format.js";
import { phoneLink, emailLink, webLink } from "../contact.js";

const serviceId = $("#service").dataset.serviceId;

// "← Directory" goes back to the operator's last search in this tab (the directory page keeps its URL,
// which holds the query), not to an empty directory. Kept per tab, not sent anywhere.
try {
  const lastSearch = sessionStorage.getItem("divert.directory");
  const back = document.querySelector("a.back");
  if (back && lastSearch && lastSearch.startsWith("/directory")) back.href = lastSearch;
} catch { /* storage refused: the plain link stays */ }
const state = { service: null, histories: new Map(), config: null, who: null };

// Roles that may see how a pool's numbers moved (see GET /v1/capacity/trends).
const TREND_ROLES = new Set(["provider", "curator", "case_manager", "operator", "admin"]);

/** An inline SVG sparkline of `available` over the reports (no chart library, no request). */
function sparkline(reports, maximum) {
  const width = 180, height = 40, pad = 3;
  if (reports.length < 2) return h("span", { class: "muted small" }, t("svc.fewReports"));
  const values = reports.map((r) => Number(r.available));
  const top = Math.max(1, maximum || 0, ...values);
  const step = (width - 2 * pad) / (values.length - 1);
  const points = values.map((v, i) => `${(pad + i * step).toFixed(1)},${(height - pad - (v / top) * (height - 2 * pad)).toFixed(1)}`);
  const last = points[points.length - 1].split(",");
  const label = t("svc.sparkLabel", { n: values.length, min: Math.min(...values), max: Math.max(...values),
    last: values[values.length - 1] });
  return s("svg", { class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
    s("title", {}, label),
    s("polyline", { points: points.join(" "), fill: "none" }),
    s("circle", { cx: last[0], cy: last[1], r: 3 }));
}

function section(titleKey, ...content) {
  const body = content.flat().filter(Boolean);
  if (!body.length) return null;
  return h("section", { class: "panel" }, h("h2", {}, t(titleKey)), body);
}

/** A field whose value is page nodes (links with copy buttons), one per line. */
function nodesField(labelKey, nodes) {
  const shown = (nodes || []).filter(Boolean);
  if (!shown.length) return null;
  return [h("dt", {}, t(labelKey)), h("dd", {}, shown.map((n, i) => (i ? [h("br"), n] : n)))];
}

function field(labelKey, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return null;
  return [h("dt", {}, t(labelKey)), h("dd", {}, Array.isArray(value) ? value.join(", ") : String(value))];
}

function capacityBlock(capacity) {
  const history = state.histories.get(capacity.id);
  const unit = (capacity.unit && (capacity.unit.name || capacity.unit.id)) || "";
  const reserved = capacity.reserved_for || [];
  return h("li", { class: "capacity" },
    h("p", {}, h("strong", {}, capacity.description || unit), " · ",
      t("svc.capNumbers", { available: capacity.available ?? "?", maximum: capacity.maximum ?? "?", unit })),
    h("p", { class: "small" },
      capacity.waitlist ? t("svc.waitlist", { n: capacity.waitlist }) + " · " : "",
      reserved.length ? t("svc.reserved", { programs: reserved.join(", ") }) + " · " : t("svc.publicPool") + " · ",
      capacity.updated ? t("cap.updated", { ago: timeAgo(capacity.updated) }) : ""),
    history === undefined ? h("span", { class: "muted small" }, t("svc.loadingHistory"))
      : history === null ? h("span", { class: "muted small" }, t("svc.signinHistory"))
        : sparkline(history, capacity.maximum));
}

function locationBlock(sal) {
  const location = sal.location || {};
  const links = mapLinks(location.latitude, location.longitude);
  const phones = (location.phones || []).map(phoneLink).filter(Boolean);
  return h("li", {},
    h("p", {}, h("strong", {}, location.name || "")),
    (location.addresses || []).map((a) => h("p", {}, addressLine(a))),
    phones.length ? h("p", {}, t("card.phone"), ": ", phones) : null,
    location.transportation ? h("p", { class: "small" }, location.transportation) : null,
    links ? h("p", { class: "small" }, h("a", { href: links.geo }, t("card.openMap")), " · ",
      h("span", { class: "url" }, links.osm)) : null);
}

function render() {
  const service = state.service;
  const root = $("#service");
  if (!service) return;
  document.title = `${service.name} · divert`;
  const notes = eligibilityNotes(service).map((n) => n.text);
  const intercepts = interceptsOf(service).map((code) => `${code} ${t(`intercept.${code}`, {}, state.config.intercepts[code] || "")}`);
  const phones = [...(service.phones || []), ...((service.organization || {}).phones || [])].map(phoneLink);
  const contacts = (service.contacts || []).map((c) => [c.name, c.title, c.email].filter(Boolean).join(", "));
  const hours = scheduleLines(service.schedules);
  const documents = (service.required_documents || []).map((d) => d.document).filter(Boolean);
  const areas = (service.service_areas || []).map((a) => a.name || a.description).filter(Boolean);
  const funding = (service.funding || []).map((f) => f.source).filter(Boolean);
  fill(root,
    h("h1", {}, service.name),
    service.alternate_name ? h("p", { class: "muted" }, service.alternate_name) : null,
    service.organization && service.organization.name ? h("p", { class: "org" }, service.organization.name) : null,
    service.status && service.status !== "active" ? h("p", { class: "notice error" }, t("svc.status", { status: service.status })) : null,
    service.alert ? h("p", { class: "notice warn" }, service.alert) : null,
    service.description ? h("p", { class: "description" }, service.description) : null,
    h("section", { class: "panel" }, h("h2", {}, t("svc.glance")), h("dl", { class: "facts-list" },
      field("svc.needs", needsOf(service)),
      field("svc.who", notes.length ? notes : t("dir.noLimits")),
      field("svc.eligibility", service.eligibility_description),
      field("svc.languages", languagesOf(service)),
      field("svc.hours", hours.length ? hours : t("dir.hoursUnknown")),
      field("svc.apply", service.application_process),
      field("svc.bring", documents),
      field("svc.fees", [service.fees_description, service.fees].filter(Boolean)),
      field("svc.wait", service.wait_time),
      field("svc.intercepts", intercepts),
      field("svc.areas", areas),
      field("svc.interpretation", service.interpretation_services),
      field("svc.accreditations", service.accreditations),
      field("svc.licenses", service.licenses),
      field("svc.funding", funding),
      nodesField("svc.phones", phones),
      field("svc.contacts", contacts),
      nodesField("svc.email", [emailLink(service.email)]),
      nodesField("svc.url", [webLink(service.url)]),
      field("svc.assured", service.assured_date),
      field("svc.modified", service.last_modified ? dateTime(service.last_modified) : null))),
    section("svc.locations", (service.service_at_locations || []).length
      ? h("ul", { class: "plain" }, service.service_at_locations.map(locationBlock)) : null),
    section("svc.capacity", (service.capacities || []).length
      ? h("ul", { class: "plain capacities" }, service.capacities.map(capacityBlock)) : null),
    h("details", { class: "panel raw" }, h("summary", {}, t("svc.raw")),
      h("pre", { tabindex: "0" }, JSON.stringify(service, null, 2))));
}

/** One request for every pool's trend; without a key that may read it the page says so instead. */
async function loadHistories() {
  const pools = (state.service.capacities || []).map((c) => c.id);
  if (!pools.length) return;
  if (!state.who || !TREND_ROLES.has(state.who.role)) {
    for (const id of pools) state.histories.set(id, null);
  } else {
    let trends = {};
    try {
      trends = await api("/v1/capacity/trends", { query: { ids: pools.join(",") } });
    } catch { /* the numbers above still show; only the trend is missing */ }
    for (const id of pools) state.histories.set(id, trends[id] || []);
  }
  render();
}

async function sendReport(event) {
  event.preventDefault();
  const form = event.target;
  const status = $("#report-status");
  const message = form.elements.message.value.trim();
  if (!message) { status.textContent = t("report.empty"); form.elements.message.focus(); return; }
  try {
    await api(`/v1/services/${encodeURIComponent(serviceId)}/reports`, { method: "POST",
      body: { field: form.elements.field.value, message } });
    form.elements.message.value = "";
    status.textContent = t("report.thanks");
  } catch (err) {
    status.textContent = problemText(err);
  }
}

boot(async ({ config, who }) => {
  state.config = config;
  state.who = who;
  $("#report-form").addEventListener("submit", sendReport);
  onLanguageChange(render);
  try {
    state.service = await api(`/v1/services/${encodeURIComponent(serviceId)}`);
  } catch (err) {
    fill($("#service"), h("h1", {}, t("svc.notFound")));
    notice($("#service").appendChild(h("div")), problemText(err), "error");
    return;
  }
  render();
  loadHistories();
  document.addEventListener("divert:signin", (event) => {
    state.who = event.detail;
    state.histories.clear();
    loadHistories();
  });
});

