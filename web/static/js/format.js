// Turning API values into words for people: times, distances, hours, addresses, eligibility terms.
import { t, lang, needLabel } from "./i18n.js";

/** "3 h ago" style freshness of a report time (ISO string), or "" when unknown. */
export function timeAgo(iso, now = Date.now()) {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const minutes = Math.max(0, Math.round((now - then) / 60000));
  if (minutes < 1) return t("ago.now");
  if (minutes < 60) return t("ago.minutes", { n: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t("ago.hours", { n: hours });
  return t("ago.days", { n: Math.round(hours / 24) });
}

export function km(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "";
  const n = Number(value);
  return n < 10 ? `${n.toFixed(1)} km` : `${Math.round(n)} km`;
}

export function clock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString(lang(), { hour: "2-digit", minute: "2-digit" });
}

export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(lang(), { dateStyle: "medium", timeStyle: "short" });
}

/** mm:ss left until an ISO instant, or null once it has passed. */
export function countdown(iso, now = Date.now()) {
  const left = Math.floor((Date.parse(iso) - now) / 1000);
  if (!(left > 0)) return null;
  const m = Math.floor(left / 60);
  const sec = String(left % 60).padStart(2, "0");
  return `${m}:${sec}`;
}

const DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

function dayName(code) {
  const index = DAY_CODES.indexOf(code);
  if (index < 0) return code;
  // 2024-01-01 was a Monday: a fixed week lets Intl name the days in the page's language.
  const d = new Date(Date.UTC(2024, 0, 1 + index, 12));
  return d.toLocaleDateString(lang(), { weekday: "short", timeZone: "UTC" });
}

const hhmm = (value) => (value ? String(value).slice(0, 5) : "");

/** One line per HSDS schedule: "Mon, Tue 09:00–17:00", or its description, or "open 24 hours". */
export function scheduleLines(schedules) {
  const lines = [];
  for (const sch of schedules || []) {
    const days = (sch.byday || "").split(",").map((d) => d.trim().replace(/^[-+]?\d+/, "")).filter(Boolean);
    const dayText = days.length === 7 || !days.length ? t("hours.everyDay") : days.map(dayName).join(", ");
    const opens = hhmm(sch.opens_at), closes = hhmm(sch.closes_at);
    let time = "";
    if (opens && closes) time = (opens === "00:00" && (closes === "23:59" || closes === "24:00" || closes === "00:00"))
      ? t("hours.allDay") : `${opens}–${closes}`;
    const text = [dayText, time].filter(Boolean).join(" ");
    lines.push(sch.description && !time ? sch.description : text);
  }
  return lines.filter(Boolean);
}

export function addressLine(address) {
  if (!address) return "";
  const street = [address.address_1, address.address_2].filter(Boolean).join(", ");
  const place = [address.city, address.state_province].filter(Boolean).join(", ");
  return [street, [place, address.postal_code].filter(Boolean).join(" ")].filter(Boolean).join(", ");
}

/** The taxonomy a HSDS attribute's term belongs to (nested term, or the link_type the profile uses). */
export function termTaxonomy(attr) {
  const term = attr.taxonomy_term || {};
  return term.taxonomy || (term.taxonomy_detail && term.taxonomy_detail.name) || attr.link_type || "";
}

export const termCode = (attr) => String((attr.taxonomy_term && attr.taxonomy_term.code) || attr.code || "");

function attrValue(attr) {
  let value = attr.value;
  if (typeof value === "string" && value.startsWith("[")) {
    try { value = JSON.parse(value).join(", "); } catch { /* plain text */ }
  }
  return value === undefined || value === null ? "" : String(value);
}

/** Plain-words eligibility notes of a service (exclusions first, then the welcoming ones). */
export function eligibilityNotes(service) {
  const notes = [];
  for (const attr of service.attributes || []) {
    if (termTaxonomy(attr) !== "divert-eligibility") continue;
    const code = termCode(attr);
    const value = attrValue(attr);
    if (value === "false") continue;
    notes.push({ code, text: t(`elig.${code}`, { value }) });
  }
  const age = [];
  if (service.minimum_age) age.push(t("elig.minAge", { n: service.minimum_age }));
  if (service.maximum_age) age.push(t("elig.maxAge", { n: service.maximum_age }));
  for (const text of age) notes.push({ code: "age", text });
  return notes;
}

export function needsOf(service) {
  return (service.attributes || []).filter((a) => termTaxonomy(a) === "divert-needs").map((a) => needLabel(termCode(a)));
}

export function interceptsOf(service) {
  return (service.attributes || []).filter((a) => termTaxonomy(a) === "sim-intercept").map(termCode);
}

/** Map links as text the user may follow: nothing is requested from another host on load. */
export function mapLinks(lat, lon) {
  if (lat === null || lat === undefined || lon === null || lon === undefined) return null;
  const la = Number(lat).toFixed(6), lo = Number(lon).toFixed(6);
  return {
    geo: `geo:${la},${lo}`,
    osm: `https://www.openstreetmap.org/?mlat=${la}&mlon=${lo}#map=17/${la}/${lo}`,
  };
}

export function languagesOf(service) {
  return (service.languages || []).map((l) => l.name && l.name !== l.code ? l.name : languageName(l.code)).filter(Boolean);
}

export function languageName(code) {
  if (!code) return "";
  try {
    return new Intl.DisplayNames([lang()], { type: "language" }).of(code) || code;
  } catch { return code; }
}
