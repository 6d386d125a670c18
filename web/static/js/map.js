// Maps on Leaflet (web/static/vendor/leaflet): US state and county outlines with their names from the
// Census-derived us-atlas TopoJSON (web/static/vendor/us-atlas, read with topojson-client), so a map
// shows real places on a closed network. A deployment that has a tile server names it in `tile_url`
// (/v1/config); without one nothing leaves this server.
import * as L from "../vendor/leaflet/leaflet-src.esm.js";
import { feature } from "../vendor/topojson-client/index.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const ATLAS_URL = "/static/vendor/us-atlas/counties-10m.json";
// Counties are drawn from this zoom (a state's worth of them in view), their names from COUNTY_NAMES_ZOOM;
// state names show below it. Fewer shapes in the DOM keeps a phone's map smooth.
const COUNTY_ZOOM = 6;
const COUNTY_NAMES_ZOOM = 8;
const STATE_NAMES_ZOOM = 4;
const MAX_COUNTY_LABELS = 60;
const MIN_ZOOM = 3;
const MAX_ZOOM = 17;

let atlas = null;

/** The states and counties as GeoJSON features with their bounding boxes, read once per page. */
function loadAtlas() {
  if (!atlas) {
    atlas = fetch(ATLAS_URL).then((r) => {
      if (!r.ok) throw new Error(`atlas ${r.status}`);
      return r.json();
    }).then((topology) => {
      const withBox = (f) => ({ ...f, box: L.geoJSON(f).getBounds() });
      return {
        states: feature(topology, topology.objects.states).features.map(withBox),
        counties: feature(topology, topology.objects.counties).features.map(withBox),
      };
    });
  }
  return atlas;
}

/** Places layer: state lines always, county lines and names of what is in view. */
function addPlaces(map) {
  const states = L.geoJSON(null, { interactive: false, style: () => ({ className: "state-line", weight: 1.5, fill: false }) })
    .addTo(map);
  const counties = L.layerGroup().addTo(map);
  const labels = L.layerGroup().addTo(map);
  const shown = new Map(); // county id -> layer
  let data = null;

  const label = (latlng, text, kind) => L.tooltip({ permanent: true, direction: "center", className: `place-label ${kind}`,
    interactive: false }).setLatLng(latlng).setContent(h("span", {}, text));

  /** Adds names that do not overlap a name already placed (boxes estimated from the text length). */
  function placeLabels(named, kind) {
    const placed = [];
    for (const [latlng, text] of named) {
      const p = map.latLngToContainerPoint(latlng);
      const half = { w: text.length * 3.6 + 6, h: 10 };
      if (placed.some((q) => Math.abs(q.x - p.x) < q.w + half.w && Math.abs(q.y - p.y) < q.h + half.h)) continue;
      placed.push({ x: p.x, y: p.y, ...half });
      labels.addLayer(label(latlng, text, kind));
    }
  }

  function update() {
    if (!data) return;
    const zoom = map.getZoom();
    const view = map.getBounds().pad(0.25);
    const wanted = zoom >= COUNTY_ZOOM ? data.counties.filter((c) => view.intersects(c.box)) : [];
    const keep = new Set(wanted.map((c) => c.id));
    for (const [id, layer] of shown) if (!keep.has(id)) { counties.removeLayer(layer); shown.delete(id); }
    for (const county of wanted) {
      if (shown.has(county.id)) continue;
      const layer = L.geoJSON(county, { interactive: false,
        style: () => ({ className: "county-line", weight: 1, fill: false }) });
      counties.addLayer(layer);
      shown.set(county.id, layer);
    }
    labels.clearLayers();
    const inner = map.getBounds();
    if (zoom >= COUNTY_NAMES_ZOOM) {
      // A county larger than the view is named near the top of the part that shows, clear of the
      // middle where the service's own shapes usually are.
      const margin = (inner.getNorth() - inner.getSouth()) * 0.08;
      const namePoint = (box) => {
        const north = Math.min(box.getNorth(), inner.getNorth()), south = Math.max(box.getSouth(), inner.getSouth());
        const west = Math.max(box.getWest(), inner.getWest()), east = Math.min(box.getEast(), inner.getEast());
        return L.latLng(Math.max(south, north - margin), (west + east) / 2);
      };
      placeLabels(wanted.filter((c) => inner.intersects(c.box)).slice(0, MAX_COUNTY_LABELS)
        .map((c) => [namePoint(c.box), `${c.properties.name} ${t("map.county")}`]), "county");
    } else if (zoom >= STATE_NAMES_ZOOM) {
      placeLabels(data.states.filter((s) => inner.contains(s.box.getCenter()))
        .map((s) => [s.box.getCenter(), s.properties.name]), "state");
    }
  }

  loadAtlas().then((loaded) => {
    data = loaded;
    states.addData({ type: "FeatureCollection", features: data.states });
    update();
    map.fire("divert:places");
  }, () => { /* the map still shows the service's own shapes without the outlines */ });
  map.on("moveend zoomend", update);
}

/**
 * createMap(container, {tileUrl, attribution, centre, zoom, onPick, label}) -> map
 * map.setMarkers([{lat, lon, label, title, kind, onSelect}]), map.setLocation({lat, lon} | null),
 * map.setAreas([{rings: [[[lon, lat], ...]], kind, title, selected, onSelect}]), map.fit(points),
 * map.centreOn(lat, lon, zoom), map.redraw()
 */
export function createMap(container, options = {}) {
  container.replaceChildren();
  container.classList.add("map");
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", options.label || t("map.label"));
  const centre = options.centre || { lat: 47.6062, lon: -122.3321 };
  const map = L.map(container, { zoomControl: false, attributionControl: Boolean(options.tileUrl),
    minZoom: MIN_ZOOM, maxZoom: MAX_ZOOM, zoomSnap: 1 })
    .setView([centre.lat, centre.lon], options.zoom || 11);
  L.control.zoom({ position: "topright", zoomInTitle: t("map.zoomIn"), zoomOutTitle: t("map.zoomOut") }).addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  if (options.tileUrl) {
    map.attributionControl.setPrefix(false);
    L.tileLayer(options.tileUrl, { attribution: options.attribution || "© OpenStreetMap", maxZoom: MAX_ZOOM }).addTo(map);
  }
  addPlaces(map);

  const areaLayer = L.featureGroup().addTo(map);
  const markerLayer = L.featureGroup().addTo(map);
  let here = null;

  if (options.onPick) {
    container.classList.add("pickable");
    map.on("click", (event) => options.onPick({ lat: Number(event.latlng.lat.toFixed(5)),
      lon: Number(event.latlng.lng.toFixed(5)) }));
  }
  new ResizeObserver(() => map.invalidateSize()).observe(container);

  const api = {
    leaflet: map,
    setMarkers(markers) {
      markerLayer.clearLayers();
      markers.filter((m) => Number.isFinite(m.lat) && Number.isFinite(m.lon)).forEach((m) => {
        const icon = L.divIcon({ className: `marker ${m.kind || ""}`, html: "", iconSize: [24, 24] });
        const marker = L.marker([m.lat, m.lon], { icon, title: m.title || m.label || "", alt: m.title || "",
          keyboard: Boolean(m.onSelect) });
        marker.on("add", () => { const el = marker.getElement(); if (el) el.textContent = m.label || ""; });
        if (m.onSelect) marker.on("click", m.onSelect);
        markerLayer.addLayer(marker);
      });
    },
    setAreas(areas) {
      areaLayer.clearLayers();
      for (const area of areas) {
        const latlngs = area.rings.map((ring) => ring.map(([lon, lat]) => [lat, lon]));
        const polygon = L.polygon(latlngs, { className: `area ${area.kind || ""}${area.selected ? " selected" : ""}`,
          weight: area.selected ? 3 : 1, bubblingMouseEvents: !area.onSelect, interactive: Boolean(area.title || area.onSelect) });
        if (area.title) polygon.bindTooltip(h("span", { class: "area-tip" }, area.title), { sticky: true });
        if (area.onSelect) polygon.on("click", area.onSelect);
        polygon.on("add", () => {
          const el = polygon.getElement();
          if (el && area.id) el.dataset.area = area.id;
          if (el && area.kind) el.dataset.status = area.kind;
        });
        areaLayer.addLayer(polygon);
      }
    },
    setLocation(location) {
      if (here) { here.remove(); here = null; }
      if (!location) return;
      here = L.circleMarker([location.lat, location.lon], { radius: 8, className: "here", interactive: false }).addTo(map);
    },
    centreOn(lat, lon, zoom) { map.setView([lat, lon], zoom || map.getZoom()); },
    /** Zooms to show every point (lat/lon objects) with a margin. */
    fit(points, maxZoom = 13) {
      const pts = points.filter((p) => p && Number.isFinite(p.lat) && Number.isFinite(p.lon));
      if (!pts.length) return;
      map.fitBounds(L.latLngBounds(pts.map((p) => [p.lat, p.lon])), { padding: [30, 30], maxZoom });
    },
    redraw() { map.invalidateSize(); },
  };
  return api;
}

/** GeoJSON Polygon / MultiPolygon geometry -> rings for map.setAreas. */
export function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}
