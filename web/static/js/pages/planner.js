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

const STATUS_RANK = { sufficient: 0, lacks_capacity: 1, absent: 2 };
const state = { sim: null, geojson: null, map: null, config: null, who: null };

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
      h("ul", {}, topGaps.map((g) => h("li", {}, g)))) : null,
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
        return h("td", { class: `status ${status || "none"}`, title: cell ? cellTitle(cell) : "" },
          status ? t(`status.${status}`, {}, status) : "–");
      }))))));
}

function renderMap() {
  const status = $("#map-status");
  if (!state.geojson) return;
  const features = (state.geojson.features || []).filter((f) => f.geometry);
  // Several needs/intercepts share a cell: the cell shows its worst status and lists them all.
  const cells = new Map();
  for (const feature of features) {
    const p = feature.properties || {};
    const key = p.area_id || JSON.stringify(feature.geometry.coordinates);
    const cell = cells.get(key) || { geometry: feature.geometry, status: "sufficient", lines: [] };
    if ((STATUS_RANK[p.status] ?? 0) > (STATUS_RANK[cell.status] ?? 0)) cell.status = p.status;
    cell.lines.push(`${needLabel(p.need)} · ${t("plan.intercept")} ${p.intercept ?? "–"}: ${t(`status.${p.status}`, {}, p.status)}`);
    cells.set(key, cell);
  }
  const areas = [...cells.values()].map((c) => ({ rings: ringsOf(c.geometry), kind: c.status, title: c.lines.join("\n") }));
  state.map.setAreas(areas);
  const points = areas.flatMap((a) => a.rings.flat().map(([lon, lat]) => ({ lat, lon })));
  if (points.length) state.map.fit(points);
  const counts = Object.fromEntries(Object.keys(STATUS_RANK).map((k) => [k, areas.filter((a) => a.kind === k).length]));
  status.textContent = areas.length ? t("plan.mapCount", { n: areas.length, ...counts }) : t("plan.noData");
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
  $("#gap-filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("#dl-csv").addEventListener("click", () => downloadLink("csv", "divert-gaps.csv"));
  $("#dl-geojson").addEventListener("click", () => downloadLink("geojson", "divert-gaps.geojson"));
  document.addEventListener("divert:signin", (event) => { state.who = event.detail; load(); });
  onLanguageChange(() => { fillSelects(config); renderSim(); renderMap(); renderOutcomes(); });
  await load();
});
