// Planner page: the Sequential Intercept Model table and the gap map, filters, and downloads.
import { api, download, listOf } from "../api.js";
import { $, h, fill, toast } from "../dom.js";
import { t, needLabel, onLanguageChange } from "../i18n.js";
import { boot, notice, problemText } from "../shell.js";
import { createMap, ringsOf } from "../map.js";
import { loadOutcomes, renderOutcomes } from "../outcomes.js";
import { showHours } from "../hours-grid.js";

// The need whose hours show when the filters name none: the field asks first for 24/7 crisis access.
const HOURS_DEFAULT_NEED = "crisis";

// Worst first on a cell several needs share: absent, then lacking, then open only behind barriers.
const STATUS_RANK = { sufficient: 0, barriers_only: 1, lacks_capacity: 2, absent: 3 };
const STATUSES = ["absent", "lacks_capacity", "barriers_only", "sufficient"];
const REASONS = ["none_in_area", "eligibility", "no_capacity", "waitlist_only", "closed", "unconfirmed_only"];
// selection: the SIM cell ({need, intercept}) the map shows, or null for every row of the filters.
const state = { sim: null, geojson: null, map: null, config: null, who: null, selection: null, picked: null };

function filters() {
  const form = $("#gap-filters");
  const query = { need: form.elements.need.value, intercept: form.elements.intercept.value };
  // Plain dates: the gaps room widens them to whole days in the region's time zone.
  if (form.elements.from.value) query.from = form.elements.from.value;
  if (form.elements.to.value) query.to = form.elements.to.value;
  return query;
}

const statusOf = (cell) => (typeof cell === "string" ? cell : cell && cell.status) || null;

/** SIM cells as {intercept, need, status, supply, demand, summary}: the gaps room nests needs inside
 * intercepts ({intercepts: [{intercept, needs: [...]}]}); a flat list of rows is read as well. */
function simCells(data) {
  if (data && Array.isArray(data.intercepts) && data.intercepts.some((i) => i && Array.isArray(i.needs))) {
    return data.intercepts.flatMap((i) => (i.needs || []).map((cell) => ({ intercept: i.intercept, ...cell })));
  }
  return listOf(data, "rows", "cells").filter((r) => r && r.need !== undefined && r.intercept !== undefined);
}

function cellTitle(cell) {
  const supply = cell.supply || {};
  const units = supply.units || {};
  const open = ((units.public && units.public.open) || 0) + ((units.program && units.program.open) || 0);
  const parts = [
    `${t("plan.k.services")}: ${supply.services ?? 0}`,
    `${t("plan.k.low_barrier_services")}: ${supply.low_barrier_services ?? 0}`,
    `${t("plan.k.open_units")}: ${open}`,
    `${t("plan.k.gap_events")}: ${(cell.demand && cell.demand.total) || 0}`,
  ];
  return [cell.summary, parts.join(" · ")].filter(Boolean).join("\n");
}

function renderSim() {
  const box = $("#sim");
  if (!state.sim) return;
  const cells = simCells(state.sim);
  if (!cells.length) { notice(box, t("plan.noData")); return; }
  const byKey = new Map(cells.map((c) => [`${c.need}|${c.intercept}`, c]));
  const intercepts = Object.keys(state.config.intercepts);
  const chosenNeed = $("#gap-filters").elements.need.value;
  const needs = Object.keys(state.config.needs).filter((n) => (!chosenNeed || n === chosenNeed)
    && intercepts.some((i) => byKey.has(`${n}|${i}`)));
  const topGaps = (state.sim.top_gaps || []).filter(Boolean);
  fill(box,
    topGaps.length ? h("div", { class: "top-gaps" }, h("h3", {}, t("plan.topGaps")),
      h("ul", {}, topGaps.map((g) => h("li", {}, gapWords(cells.find((c) => c.summary === g), g))))) : null,
    h("table", { class: "sim" },
    h("caption", { class: "sr-only" }, t("plan.simCaption")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("plan.need")),
      intercepts.map((i) => h("th", { scope: "col", title: t(`intercept.${i}`, {}, state.config.intercepts[i]) },
        h("span", { class: "intercept-no" }, i), " ", h("span", { class: "intercept-name" }, t(`intercept.${i}`, {}, state.config.intercepts[i])))))),
    h("tbody", {}, needs.map((need) => h("tr", {},
      h("th", { scope: "row" }, needLabel(need)),
      intercepts.map((i) => {
        const cell = byKey.get(`${need}|${i}`);
        const status = cell ? statusOf(cell) : null;
        const selected = state.selection && state.selection.need === need && state.selection.intercept === Number(i);
        return h("td", { class: `status ${status || "none"}${selected ? " selected" : ""}`, title: cell ? cellTitle(cell) : "" },
          status ? h("button", { type: "button", class: "sim-cell", "aria-pressed": String(Boolean(selected)),
            "aria-label": `${needLabel(need)}, ${t("plan.intercept")} ${i}: ${t(`status.${status}`, {}, status)}`,
            onclick: () => selectSimCell(need, Number(i)) }, t(`status.${status}`, {}, status)) : "–");
      }))))));
}

/** A "biggest gap" in the page's words: need and intercept names, never codes. */
function gapWords(entry, fallback) {
  if (!entry) return fallback.replace(/, ([a-z_]+):/, (m, code) => `, ${needLabel(code)}:`);
  const areas = entry.areas || {};
  const demand = (entry.demand && entry.demand.by_reason) || {};
  const parts = [];
  if (!((entry.supply || {}).services)) parts.push(t("plan.w.noService"));
  for (const status of ["absent", "lacks_capacity", "barriers_only"]) {
    if (areas[status]) parts.push(t(`plan.w.areas.${status}`, { n: areas[status] }));
  }
  for (const reason of REASONS) if (demand[reason]) parts.push(t(`plan.w.reason.${reason}`, { n: demand[reason] }));
  const where = `${t("plan.intercept")} ${entry.intercept} (${t(`intercept.${entry.intercept}`)}), ${needLabel(entry.need)}`;
  return `${where}: ${parts.join("; ") || t("plan.w.enough")}`;
}

function selectSimCell(need, intercept) {
  const same = state.selection && state.selection.need === need && state.selection.intercept === intercept;
  state.selection = same ? null : { need, intercept };
  state.picked = null;
  renderSim();
  renderMap();
  if (state.selection) showDetail({ need, intercept });
  else fill($("#gap-detail"));
}

/** The rows the map shows: the chosen SIM cell's, or every row of the filters. */
function mapRows() {
  const features = ((state.geojson && state.geojson.features) || []).filter((f) => f.geometry);
  const sel = state.selection;
  return sel ? features.filter((f) => f.properties.need === sel.need && f.properties.intercept === sel.intercept) : features;
}

function renderMap() {
  const status = $("#map-status");
  if (!state.geojson) return;
  const features = mapRows();
  // Several needs/intercepts share a cell: the cell shows its worst status and lists them all.
  const cells = new Map();
  const rowCounts = Object.fromEntries(STATUSES.map((k) => [k, 0]));
  for (const feature of features) {
    const p = feature.properties || {};
    rowCounts[p.status] = (rowCounts[p.status] || 0) + 1;
    const key = p.area_id || JSON.stringify(feature.geometry.coordinates);
    const cell = cells.get(key) || { id: key, geometry: feature.geometry, status: "sufficient", lines: [] };
    if ((STATUS_RANK[p.status] ?? 0) > (STATUS_RANK[cell.status] ?? 0)) cell.status = p.status;
    cell.lines.push(`${needLabel(p.need)} · ${t("plan.intercept")} ${p.intercept ?? "–"}: ${t(`status.${p.status}`, {}, p.status)}`);
    cells.set(key, cell);
  }
  const areas = [...cells.values()].map((c) => ({ id: c.id, rings: ringsOf(c.geometry), kind: c.status,
    selected: state.picked === c.id, title: c.lines.slice(0, 6).join("\n") + (c.lines.length > 6 ? `\n${t("plan.andMore", { n: c.lines.length - 6 })}` : ""),
    onSelect: () => pickCell(c.id) }));
  state.map.setAreas(areas);
  const points = areas.flatMap((a) => a.rings.flat().map(([lon, lat]) => ({ lat, lon })));
  if (points.length && !state.picked) state.map.fit(points, 11);
  const cellCounts = Object.fromEntries(STATUSES.map((k) => [k, areas.filter((a) => a.kind === k).length]));
  const lines = [];
  const sel = state.selection;
  if (sel) lines.push(t("plan.mapShowing", { need: needLabel(sel.need), n: sel.intercept }));
  lines.push(areas.length ? t("plan.mapCount", { n: areas.length, ...cellCounts }) : t("plan.noData"));
  // The SIM table counts area rows (area × need × intercept); these sums are its numbers.
  if (!sel && features.length) lines.push(t("plan.mapRows", { n: features.length, ...rowCounts }));
  const nowhere = simCells(state.sim || {}).filter((c) => !(c.supply || {}).services
    && (!sel || (c.need === sel.need && c.intercept === sel.intercept)));
  const needsNowhere = [...new Set(nowhere.map((c) => c.need))];
  if (needsNowhere.length) {
    lines.push(sel ? t("plan.mapNowhereOne", { need: needLabel(sel.need) })
      : t("plan.mapNowhere", { n: needsNowhere.length, needs: needsNowhere.slice(0, 6).map(needLabel).join(", ")
        + (needsNowhere.length > 6 ? ` ${t("plan.andMore", { n: needsNowhere.length - 6 })}` : "") }));
  }
  fill(status, lines.map((line) => h("span", { class: "map-line" }, line)));
}

function pickCell(id) {
  state.picked = id;
  renderMap();
  showDetail({ cell: id, ...(state.selection || {}) });
}

const DEFLECTION_INTERCEPTS = [0, 1];

function pathwayTable(rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "sim pathways" },
    h("caption", {}, t("plan.pathwaysCaption")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("plan.pathway")), h("th", { scope: "col" }, t("plan.k.services")),
      h("th", { scope: "col" }, t("plan.k.gap_events")), h("th", { scope: "col" }, t("plan.status")))),
    h("tbody", {}, rows.map((r) => h("tr", {},
      h("th", { scope: "row" }, t(`pathway.${r.pathway}`, {}, r.pathway_name)),
      h("td", {}, String(r.services)), h("td", {}, String(r.demand.total)),
      h("td", { class: `status ${r.status}` }, t(`status.${r.status}`, {}, r.status)))))));
}

/** Lists the services and the gap events behind a map cell or a SIM cell (GET /v1/gaps/detail). */
async function showDetail({ cell, need, intercept }) {
  const box = $("#gap-detail");
  const query = { ...filters() };
  if (cell) query.cell = cell;
  if (need) query.need = need;
  if (intercept !== undefined) query.intercept = String(intercept);
  box.setAttribute("aria-busy", "true");
  try {
    const detail = await api("/v1/gaps/detail", { query });
    // Intercepts 0-1 of one need: how the five deflection pathways bring people there (SIM split).
    const split = !cell && need && DEFLECTION_INTERCEPTS.includes(intercept)
      ? await api("/v1/gaps/sim", { query: { ...filters(), need, intercept: String(intercept), by: "pathway" } })
        .then((sim) => sim.pathways || [], () => [])
      : [];
    const heading = cell ? t("plan.detailCell") : t("plan.detailSim", { need: needLabel(need), n: intercept });
    const statusLines = cell ? mapRows().filter((f) => f.properties.area_id === cell).map((f) => f.properties) : [];
    fill(box,
      h("h3", {}, heading),
      statusLines.length ? h("ul", { class: "detail-status" }, statusLines.map((p) => h("li", {},
        h("span", { class: `swatch ${p.status}` }), " ",
        `${needLabel(p.need)} · ${t("plan.intercept")} ${p.intercept}: ${t(`status.${p.status}`, {}, p.status)}`))) : null,
      h("h4", {}, t("plan.detailServices", { n: detail.services_total })),
      detail.services.length ? h("ul", { class: "detail-services" }, detail.services.map((s) => h("li", {},
        h("a", { href: `/services/${encodeURIComponent(s.service_id)}` }, s.name),
        ` · ${needLabel(s.need)} · ${t("plan.intercept")} ${s.intercept}`,
        s.in_cell === false ? ` · ${t("plan.nextCell")}` : "",
        s.low_barrier ? ` · ${t("plan.k.low_barrier_services")}` : ""))) : h("p", { class: "muted" }, t("plan.detailNoServices")),
      h("h4", {}, t("plan.detailEvents")),
      detail.demand.length ? h("ul", { class: "detail-events" }, detail.demand.map((d) => h("li", {},
        `${needLabel(d.need)} · ${t("plan.intercept")} ${d.intercept}: `,
        REASONS.filter((r) => d.by_reason[r]).map((r) => t(`plan.w.reason.${r}`, { n: d.by_reason[r] })).join("; ")))) :
        h("p", { class: "muted" }, t("plan.detailNoEvents")),
      split.length ? pathwayTable(split) : null);
  } catch (err) {
    notice(box, problemText(err), "error");
  } finally {
    box.setAttribute("aria-busy", "false");
  }
}

async function load() {
  if (!state.who) {
    notice($("#sim"), t("plan.signin"));
    $("#map-status").textContent = "";
    return;
  }
  const query = filters();
  $("#sim").setAttribute("aria-busy", "true");
  try {
    state.sim = await api("/v1/gaps/sim", { query });
    renderSim();
  } catch (err) {
    notice($("#sim"), problemText(err), "error");
  } finally {
    $("#sim").setAttribute("aria-busy", "false");
  }
  loadOutcomes(query);
  showHours($("#hours"), query.need || HOURS_DEFAULT_NEED, state.config.map_centre);
  try {
    state.geojson = await api("/v1/gaps", { query: { ...query, format: "geojson" } });
    renderMap();
  } catch (err) {
    $("#map-status").textContent = problemText(err);
  }
}

function downloadLink(format, filename) {
  const params = new URLSearchParams(Object.entries({ ...filters(), format }).filter(([, v]) => v));
  download(`/v1/gaps?${params}`, filename).then(() => toast(t("plan.downloaded", { file: filename })),
    (err) => toast(problemText(err)));
}

function fillSelects(config) {
  const form = $("#gap-filters");
  const need = form.elements.need.value, intercept = form.elements.intercept.value;
  fill(form.elements.need, h("option", { value: "" }, t("dir.anyNeed")),
    Object.keys(config.needs).map((code) => h("option", { value: code }, needLabel(code))));
  fill(form.elements.intercept, h("option", { value: "" }, t("plan.anyIntercept")),
    Object.keys(config.intercepts).map((i) => h("option", { value: i }, `${i} ${t(`intercept.${i}`, {}, config.intercepts[i])}`)));
  form.elements.need.value = need;
  form.elements.intercept.value = intercept;
}

boot(async ({ config, who }) => {
  state.config = config;
  state.who = who;
  fillSelects(config);
  state.map = createMap($("#gap-map"), { tileUrl: config.tile_url, centre: config.map_centre || undefined, zoom: 10,
    label: t("plan.mapTitle") });
  $("#gap-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.selection = null;
    state.picked = null;
    fill($("#gap-detail"));
    load();
  });
  $("#dl-csv").addEventListener("click", () => downloadLink("csv", "divert-gaps.csv"));
  $("#dl-geojson").addEventListener("click", () => downloadLink("geojson", "divert-gaps.geojson"));
  document.addEventListener("divert:signin", (event) => { state.who = event.detail; load(); });
  onLanguageChange(() => {
    fillSelects(config); renderSim(); renderMap(); renderOutcomes();
    if (state.picked) showDetail({ cell: state.picked, ...(state.selection || {}) });
    else if (state.selection) showDetail(state.selection);
  });
  await load();
});
