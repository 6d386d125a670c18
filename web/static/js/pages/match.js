// Match page (case manager, phone first): place + needs + optional facts -> options per need, holds,
// referral cards, and gaps stated plainly.
import { api } from "../api.js";
import { $, $$, h, fill, toast } from "../dom.js";
import { t, needLabel, onLanguageChange, lang } from "../i18n.js";
import { boot, notice, problemText } from "../shell.js";
import { createMap } from "../map.js";
import { timeAgo, km, clock, countdown, scheduleLines, addressLine, mapLinks, eligibilityNotes } from "../format.js";
import { referButton } from "../referrals.js";

const HOLD_MINUTES = 30;
// Needs shown at once; the rest open under "More needs" (a short list on a phone).
const COMMON_NEEDS = ["shelter", "housing", "withdrawal_management", "moud", "sud_treatment", "mental_health",
  "crisis", "food"];

const state = {
  place: null, // {lat, lon, source} or {postcode}
  who: null,
  lastAnswer: null,
  lastRequest: null, // the body of the last match, re-sent to refresh the options after a hold
  holds: new Map(), // capacity_id -> {hold_id, expires_at, option, need}
  placed: new Set(), // capacity ids placed at from this page (their "Placed" note survives a refresh)
  coords: new Map(), // service_at_location_id -> {lat, lon}
  map: null,
  fitPending: false, // zoom the map to a new answer once, not on every re-render after a hold
};

function describePlace() {
  const status = $("#where-status");
  if (!state.place) { status.textContent = t("where.none"); return; }
  if (state.place.postcode) { status.textContent = t("where.postcode", { postcode: state.place.postcode }); return; }
  status.textContent = t(`where.${state.place.source}`, {
    lat: state.place.lat.toFixed(4), lon: state.place.lon.toFixed(4) });
}

function setPoint(lat, lon, source) {
  state.place = { lat, lon, source };
  $("#postcode").value = "";
  state.map.setLocation({ lat, lon });
  describePlace();
}

function useDevice() {
  const status = $("#where-status");
  if (!navigator.geolocation) { status.textContent = t("where.noDevice"); return; }
  status.textContent = t("where.locating");
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      setPoint(Number(pos.coords.latitude.toFixed(5)), Number(pos.coords.longitude.toFixed(5)), "device");
      state.map.centreOn(state.place.lat, state.place.lon, 13);
    },
    () => { status.textContent = t("where.denied"); },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

function renderNeedChecks(config) {
  const box = $("#needs");
  const checked = new Set($$("input[name=need]:checked", box).map((i) => i.value));
  const wasOpen = Boolean($("details.more-needs", box)?.open);
  const check = (code) => h("label", {}, h("input", { type: "checkbox", name: "need", value: code, checked: checked.has(code) }), " ",
    h("span", {}, needLabel(code)));
  const codes = Object.keys(config.needs);
  const rest = codes.filter((c) => !COMMON_NEEDS.includes(c));
  fill(box, codes.filter((c) => COMMON_NEEDS.includes(c)).map(check),
    rest.length ? h("details", { class: "more-needs", open: wasOpen || rest.some((c) => checked.has(c)) },
      h("summary", {}, t("match.moreNeeds")), h("div", { class: "checks" }, rest.map(check))) : null);
}

/** A yes / no / not-asked select as the participant field: "" (not asked) sends nothing. */
function yesNo(select) {
  return select.value === "yes" ? true : select.value === "no" ? false : undefined;
}

/** The request body from the form; only what the user actually set about the person is sent. */
function matchRequest(form) {
  const needs = $$("input[name=need]:checked", form).map((i) => i.value);
  const location = state.place && state.place.postcode ? { postcode: state.place.postcode }
    : state.place ? { lat: state.place.lat, lon: state.place.lon } : null;
  const participant = {};
  const on = (name) => form.elements[name].checked;
  for (const name of ["active_substance_use", "on_moud"]) {
    const said = yesNo(form.elements[name]);
    if (said !== undefined) participant[name] = said;
  }
  if (on("no_id")) participant.has_id = false;
  if (on("sex_work")) participant.sex_work = true;
  if (on("criminal_record")) participant.criminal_record = true;
  if (on("pets")) participant.pets = true;
  if (form.elements.gender.value) participant.gender = form.elements.gender.value;
  const age = form.elements.age.value.trim();
  if (age) participant.age = Number(age);
  const languages = form.elements.languages.value.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (languages.length) participant.languages = languages;
  if (form.elements.insurance.value) participant.insurance = [form.elements.insurance.value];
  const body = { location, needs, radius_km: Number(form.elements.radius_km.value) };
  const program = form.elements.program.value.trim();
  if (program) body.program = program;
  if (on("open_now")) body.open_now = true;
  if (Object.keys(participant).length) body.participant = participant;
  return body;
}

function capacityBadge(capacity) {
  const status = (capacity && capacity.status) || "untracked";
  const unit = capacity && capacity.unit ? t(`unit.${capacity.unit}`, {}, capacity.unit) : t("unit.place");
  const badge = {
    open: () => h("span", { class: "badge open" }, t("cap.open", { n: capacity.open_units ?? "?", unit })),
    untracked: () => h("span", { class: "badge untracked" }, t("cap.untracked")),
    unconfirmed: () => h("span", { class: "badge unconfirmed" }, t("cap.unconfirmed")),
  }[status] || (() => h("span", { class: "badge" }, status));
  const parts = [badge()];
  if (capacity && capacity.pool === "program") parts.push(h("span", { class: "badge program" }, t("cap.program")));
  if (capacity && capacity.updated) {
    parts.push(h("span", { class: "updated" }, t("cap.updated", { ago: timeAgo(capacity.updated) })));
  }
  return parts;
}

function holdPanel(option, hold) {
  const left = countdown(hold.expires_at);
  const time = h("span", { class: "countdown", "data-expires": hold.expires_at }, left || t("hold.expired"));
  return h("div", { class: "hold-panel", role: "group", "aria-label": t("hold.label") },
    h("p", {}, h("strong", {}, t("hold.held", { until: clock(hold.expires_at) })), " · ", time, " ", t("hold.left")),
    h("div", { class: "row" },
      h("button", { type: "button", class: "primary", onclick: () => confirmHold(option, hold) }, t("hold.confirm")),
      h("button", { type: "button", onclick: () => releaseHold(option, hold) }, t("hold.release"))));
}

/** A tel: link to the place, once its number is known (read with the map's coordinates). */
function callLink(option) {
  const place = state.coords.get(option.service_at_location_id);
  if (!place || !place.phone) return null;
  return h("a", { class: "call-link button", href: `tel:${place.phone.replace(/[^\d+]/g, "")}` },
    t("opt.call", { number: place.phone }));
}

/** An `ask:<term>` warning as the question to ask; other warnings in words. */
function warningWords(code) {
  if (code.startsWith("ask:")) {
    const term = code.slice(4);
    return t(`ask.${term}`, {}, t("ask.other", { term: term.replaceAll("_", " ") }));
  }
  return t(`warn.${code}`, {}, code);
}

/** "opens Mon 09:00" in the service's own wall clock (next_open carries its offset). */
function opensWords(iso) {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso || "");
  if (!match) return null;
  const day = new Date(`${match[1]}T12:00:00Z`).toLocaleDateString(lang(), { weekday: "short", timeZone: "UTC" });
  return t("opt.opens", { when: `${day} ${match[2]}` });
}

/** Reasons without what the badges and facts already say: the first reason is always the capacity
 * (the badge), and distance and "open now" are facts. */
function shownReasons(option) {
  const said = new Set([t("opt.openNow").toLowerCase()]);
  return (option.reasons || []).slice(1).filter((r) => !/ km$/.test(r) && !said.has(r.toLowerCase()));
}

function optionItem(option, index, need, number) {
  const capacity = option.capacity || {};
  const holdable = capacity.capacity_id && capacity.status === "open" && (capacity.open_units ?? 1) > 0;
  const hold = capacity.capacity_id ? state.holds.get(capacity.capacity_id) : null;
  const facts = [];
  if (option.distance_km !== undefined && option.distance_km !== null) facts.push(h("span", {}, km(option.distance_km)));
  if (option.open_now === true) facts.push(h("span", { class: "open-now" }, t("opt.openNow")));
  if (option.open_now === false) facts.push(h("span", { class: "closed-now" }, t("opt.closedNow")));
  const opens = option.open_now === false ? opensWords(option.next_open) : null;
  if (opens) facts.push(h("span", { class: "opens" }, opens));
  const reasons = shownReasons(option);
  const warnings = (option.warnings || []).filter((w) => !(opens && w === "closed now"));
  const item = h("li", { class: `option ${capacity.status || ""}`, id: `opt-${need}-${index}`,
    dataset: { serviceId: option.service_id, capacityId: capacity.capacity_id || "" } },
    h("div", { class: "option-head" },
      h("span", { class: "pin", "aria-hidden": "true" }, String(number)),
      h("div", {},
        h("h3", {}, option.name),
        option.organization ? h("p", { class: "org" }, option.organization) : null)),
    h("p", { class: "badges" }, capacityBadge(capacity)),
    facts.length ? h("p", { class: "facts" }, facts) : null,
    reasons.length ? h("ul", { class: "reasons", "aria-label": t("opt.reasons") },
      reasons.map((r) => h("li", {}, r))) : null,
    warnings.length ? h("ul", { class: "warnings", "aria-label": t("opt.warnings") },
      warnings.map((w) => h("li", { class: w.startsWith("ask:") ? "ask" : "" }, warningWords(w)))) : null,
    h("div", { class: "row actions" },
      holdable && !hold ? h("button", { type: "button", class: "primary hold-button",
        onclick: () => placeHold(option, need) }, t("hold.button", { unit: t(`unit.${capacity.unit}`, {}, capacity.unit || "") })) : null,
      referButton(option, () => referContext(option, need)),
      h("button", { type: "button", class: "card-button", onclick: () => openCard(option) }, t("card.button")),
      callLink(option)),
    state.placed.has(capacity.capacity_id) ? h("p", { class: "placed" }, t("hold.placedNote")) : null,
    hold ? holdPanel(option, hold) : null);
  return item;
}

/** What a referral from this option carries: the need, the option's hold if any, the program, the place. */
function referContext(option, need) {
  const capacityId = option.capacity && option.capacity.capacity_id;
  return { need, hold: capacityId ? state.holds.get(capacityId) : null, place: state.place,
    program: ($("#match-form").elements.program.value || "").trim() || null };
}

function gapBox(gap) {
  return h("div", { class: `gap ${gap.reason}`, role: "note" },
    h("p", {}, h("strong", {}, t(`gap.${gap.reason}`, {}, gap.reason))),
    gap.detail ? h("p", { class: "detail" }, gap.detail) : null);
}

/** A held pool may have left the answer (its last unit is the one held): it stays, with its hold. */
function withHeldOptions(block) {
  const options = [...(block.options || [])];
  const shown = new Set(options.map((o) => o.capacity && o.capacity.capacity_id));
  for (const [capacityId, hold] of state.holds) {
    if (hold.need === block.need && !shown.has(capacityId)) {
      options.unshift({ ...hold.option, capacity: { ...hold.option.capacity, open_units: 0 } });
    }
  }
  return options;
}

/** Asks again with the last request, so counts, Hold buttons and order are what the server says now. */
async function refreshAnswer() {
  if (!state.lastRequest) return;
  try {
    state.lastAnswer = await api("/v1/match", { method: "POST", body: state.lastRequest,
      headers: { "Accept-Language": lang() } });
  } catch { /* keep the answer shown; the next action will say what failed */ }
  renderAnswer();
}

function renderAnswer() {
  const results = $("#results");
  const answer = state.lastAnswer;
  if (!answer) return;
  // One running number across needs, so each dot on the map names one option.
  let number = 0;
  const sections = (answer.needs || []).map((block) => ({ ...block, options: withHeldOptions(block) })).map((block) => h("section", { class: "need-block", "aria-labelledby": `need-${block.need}` },
    h("h2", { id: `need-${block.need}` }, needLabel(block.need)),
    block.gap ? gapBox(block.gap) : null,
    (block.options || []).length
      ? h("ol", { class: "options" }, block.options.map((o, i) => optionItem(o, i, block.need, ++number)))
      : (!block.gap ? h("p", { class: "muted" }, t("opt.none")) : null)));
  fill(results, h("h2", { class: "sr-only" }, t("match.results")), sections);
  drawResultsOnMap();
}

/** Option coordinates: carried by the option when the API sends them, else read once per place. */
async function locateOptions() {
  const wanted = [];
  for (const block of state.lastAnswer.needs || []) {
    for (const option of block.options || []) {
      const sal = option.service_at_location_id;
      const lat = option.latitude ?? option.lat ?? (option.location && option.location.latitude);
      const lon = option.longitude ?? option.lon ?? (option.location && option.location.longitude);
      if (Number.isFinite(lat) && Number.isFinite(lon)) state.coords.set(sal, { lat, lon });
      else if (sal && !state.coords.has(sal)) wanted.push(sal);
    }
  }
  const ids = [...new Set(wanted)];
  if (ids.length) {
    try {
      const found = await api("/v1/places", { query: { ids: ids.join(",") } });
      for (const [sal, at] of Object.entries(found)) state.coords.set(sal, at);
    } catch { /* the list still works without the dots on the map */ }
  }
  renderAnswer();  // draws the dots, and the call links now that the numbers are known
}

function drawResultsOnMap() {
  const markers = [];
  let number = 0;
  for (const block of state.lastAnswer.needs || []) {
    (block.options || []).forEach((option, index) => {
      number += 1;
      const at = state.coords.get(option.service_at_location_id);
      if (!at) return;
      markers.push({ ...at, label: String(number), title: `${needLabel(block.need)}: ${option.name}`,
        kind: (option.capacity && option.capacity.status) || "",
        onSelect: () => document.getElementById(`opt-${block.need}-${index}`)?.scrollIntoView({ behavior: "smooth" }) });
    });
  }
  state.map.setMarkers(markers);
  // The answer's own map sits with the results (above them on a phone, beside them on a wide screen),
  // so the dots and the list are read together without scrolling back to the form.
  const resultsBox = $("#results-map");
  resultsBox.hidden = !markers.length;
  if (markers.length && !state.resultsMap) {
    state.resultsMap = createMap(resultsBox, { tileUrl: state.config.tile_url, label: t("match.resultsMap"),
      centre: markers[0], zoom: 13 });
  }
  if (state.resultsMap) {
    state.resultsMap.setMarkers(markers);
    state.resultsMap.setLocation(state.place && !state.place.postcode ? state.place : null);
  }
  if (state.fitPending && markers.length) {
    state.fitPending = false;
    const here = state.place && !state.place.postcode ? [state.place] : [];
    state.map.fit([...here, ...markers]);
    state.resultsMap.redraw();
    state.resultsMap.fit([...here, ...markers]);
  }
}

async function runMatch(event) {
  event.preventDefault();
  const form = event.target;
  const error = $("#form-error");
  error.textContent = "";
  const body = matchRequest(form);
  if (!body.location) { error.textContent = t("err.place"); return; }
  if (!body.needs.length) { error.textContent = t("err.needs"); return; }
  if (!state.who) { error.textContent = t("err.signin"); $("#signin").open = true; return; }
  const results = $("#results");
  results.setAttribute("aria-busy", "true");
  notice(results, t("match.searching"));
  try {
    state.lastAnswer = await api("/v1/match", { method: "POST", body, headers: { "Accept-Language": lang() } });
    state.lastRequest = body;
    state.fitPending = true;
    renderAnswer();
    // On a phone the results start below the form: bring them into view.
    results.scrollIntoView({ block: "start" });
    locateOptions();
  } catch (err) {
    notice(results, problemText(err), "error");
  } finally {
    results.setAttribute("aria-busy", "false");
  }
}

async function placeHold(option, need) {
  const capacity = option.capacity;
  const program = ($("#match-form").elements.program.value || "").trim() || null;
  try {
    const hold = await api("/v1/holds", { method: "POST",
      body: { capacity_id: capacity.capacity_id, program, minutes: HOLD_MINUTES } });
    state.holds.set(capacity.capacity_id, { ...hold, option, need });
    toast(t("hold.placed", { name: option.name, until: clock(hold.expires_at) }));
  } catch (err) {
    toast(err.code === "no_open_units" ? t("hold.lost") : problemText(err));
  }
  await refreshAnswer();
}

async function releaseHold(option, hold) {
  try {
    await api(`/v1/holds/${encodeURIComponent(hold.hold_id)}`, { method: "DELETE" });
    toast(t("hold.released"));
  } catch (err) {
    toast(problemText(err));
  }
  state.holds.delete(option.capacity.capacity_id);
  await refreshAnswer();
}

async function confirmHold(option, hold) {
  try {
    await api(`/v1/holds/${encodeURIComponent(hold.hold_id)}/confirm`, { method: "POST" });
    state.holds.delete(option.capacity.capacity_id);
    state.placed.add(option.capacity.capacity_id);
    toast(t("hold.confirmed", { name: option.name }));
    await refreshAnswer();
  } catch (err) {
    toast(problemText(err));
  }
}

function tickCountdowns() {
  for (const el of $$(".countdown[data-expires]")) {
    el.textContent = countdown(el.dataset.expires) || t("hold.expired");
  }
}

/** Each phone number once (service, site and organization often repeat the same one). */
function phoneLine(phones) {
  const numbers = [...new Set(phones.map((p) => (p.number || "").trim()).filter(Boolean))];
  return numbers.length ? numbers.join(", ") : t("card.unknown");
}

/** The date and who referred, so the person and the door know whom to call back. */
function referredLine() {
  const date = new Date().toLocaleDateString(lang(), { year: "numeric", month: "short", day: "numeric" });
  const name = state.who && state.who.name;
  return name ? t("card.from", { date, name }) : t("card.date", { date });
}

/** The referral card: what the person needs to get there, built from the full HSDS service. */
async function openCard(option) {
  const dialog = $("#card-dialog");
  const card = $("#referral-card");
  fill(card, h("p", { id: "card-title" }, t("card.loading")));
  dialog.showModal();
  let service;
  try {
    service = await api(`/v1/services/${encodeURIComponent(option.service_id)}`);
  } catch (err) {
    fill(card, h("p", { id: "card-title", class: "notice error" }, problemText(err)));
    return;
  }
  const sals = service.service_at_locations || [];
  const sal = sals.find((s) => s.id === option.service_at_location_id) || sals[0] || {};
  const location = sal.location || {};
  const address = (location.addresses || []).find((a) => a.address_type !== "postal") || (location.addresses || [])[0];
  const phones = [...(service.phones || []), ...(location.phones || []), ...((service.organization || {}).phones || [])];
  const hours = scheduleLines(service.schedules && service.schedules.length ? service.schedules : location.schedules);
  const links = mapLinks(location.latitude, location.longitude);
  const bring = [...(service.required_documents || []).map((d) => d.document).filter(Boolean)];
  if (service.application_process) bring.push(service.application_process);
  const hold = option.capacity && state.holds.get(option.capacity.capacity_id);
  const rows = [
    [t("card.address"), address ? addressLine(address) : t("card.unknown")],
    [t("card.hours"), hours.length ? hours.join("; ") : t("card.unknown")],
    [t("card.phone"), phoneLine(phones)],
    [t("card.bring"), bring.length ? bring.join("; ") : t("card.nothingListed")],
  ];
  const notes = eligibilityNotes(service).map((n) => n.text);
  fill(card,
    h("p", { class: "card-kicker" }, t("card.kicker")),
    h("h2", { id: "card-title" }, service.name),
    service.organization && service.organization.name ? h("p", { class: "org" }, service.organization.name) : null,
    hold ? h("p", { class: "held" }, t("card.held", { until: clock(hold.expires_at) })) : null,
    h("p", { class: "card-from small" }, referredLine()),
    h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    notes.length ? h("p", { class: "small" }, notes.join(" · ")) : null,
    links ? h("p", { class: "map-links" }, t("card.map"), " ",
      h("a", { href: links.geo }, t("card.openMap")), " · ",
      h("a", { href: links.osm, rel: "noopener noreferrer", target: "_blank" }, links.osm)) : null);
  card.dataset.shareText = [service.name, ...rows.map(([k, v]) => `${k}: ${v}`), links ? links.osm : ""].filter(Boolean).join("\n");
}

async function shareCard() {
  const text = $("#referral-card").dataset.shareText || "";
  try {
    if (navigator.share) await navigator.share({ text });
    else { await navigator.clipboard.writeText(text); toast(t("card.copied")); }
  } catch { /* the user closed the share sheet */ }
}

boot(async ({ config, who }) => {
  state.who = who;
  state.config = config;
  renderNeedChecks(config);
  const centre = config.map_centre || undefined;
  state.map = createMap($("#map"), { tileUrl: config.tile_url, centre, zoom: 12,
    onPick: ({ lat, lon }) => setPoint(lat, lon, "map") });
  const form = $("#match-form");
  if (who && who.program) {
    form.elements.program.value = who.program;
    form.elements.program.readOnly = true;
  }
  describePlace();
  $("#use-device").addEventListener("click", useDevice);
  $("#postcode").addEventListener("input", (event) => {
    const postcode = event.target.value.trim();
    state.place = postcode ? { postcode } : null;
    if (postcode) state.map.setLocation(null);
    describePlace();
  });
  form.addEventListener("submit", runMatch);
  $("#card-close").addEventListener("click", () => $("#card-dialog").close());
  $("#card-print").addEventListener("click", () => window.print());
  $("#card-share").addEventListener("click", shareCard);
  setInterval(tickCountdowns, 1000);
  document.addEventListener("divert:signin", (event) => {
    state.who = event.detail;
    if (state.who && state.who.program) form.elements.program.value = state.who.program;
    form.elements.program.readOnly = Boolean(state.who && state.who.program);
  });
  onLanguageChange(() => { renderNeedChecks(config); describePlace(); renderAnswer(); });
});
