// A small SVG map in Web Mercator: places, areas and a picked location, with optional raster tiles.
// Web Mercator (not plate carrée) so that, when a deployment configures a tile URL, the tiles and our
// own drawing line up; with no tile URL nothing leaves this server and a plain grid stands in.
import { s, h } from "./dom.js";
import { t } from "./i18n.js";

const TILE = 256;
const MAX_ZOOM = 17;
const MIN_ZOOM = 2;
const MAX_LAT = 85.05112878;

function project(lat, lon, zoom) {
  const size = TILE * 2 ** zoom;
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return {
    x: ((lon + 180) / 360) * size,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size,
  };
}

function unproject(x, y, zoom) {
  const size = TILE * 2 ** zoom;
  const lon = (x / size) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / size;
  const lat = (180 / Math.PI) * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)));
  return { lat, lon };
}

/** Metres per pixel at a latitude and zoom (for the scale bar). */
const metresPerPixel = (lat, zoom) => (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (TILE * 2 ** zoom);

/**
 * createMap(container, {tileUrl, centre, zoom, onPick, label}) -> map
 * map.setMarkers([{lat, lon, label, title, kind, onSelect}]), map.setLocation({lat, lon} | null),
 * map.setAreas([{rings: [[[lon, lat], ...]], kind, title}]), map.fit(points), map.redraw()
 */
export function createMap(container, options = {}) {
  const state = {
    centre: options.centre || { lat: 47.6062, lon: -122.3321 },
    zoom: options.zoom || 11,
    markers: [],
    areas: [],
    location: null,
  };
  const svg = s("svg", { class: "map-svg", role: "img", "aria-label": options.label || t("map.label") });
  const zoomIn = h("button", { type: "button", class: "map-zoom", "aria-label": t("map.zoomIn"),
    onclick: () => zoomBy(1) }, "+");
  const zoomOut = h("button", { type: "button", class: "map-zoom", "aria-label": t("map.zoomOut"),
    onclick: () => zoomBy(-1) }, "−");
  const attribution = options.tileUrl ? h("span", { class: "map-attrib" }, options.attribution || "© OpenStreetMap") : null;
  container.replaceChildren(svg, h("div", { class: "map-controls" }, zoomIn, zoomOut), attribution || "");
  container.classList.add("map");

  const size = () => ({ w: container.clientWidth || 320, h: container.clientHeight || 240 });

  function toScreen(lat, lon) {
    const { w, h: height } = size();
    const c = project(state.centre.lat, state.centre.lon, state.zoom);
    const p = project(lat, lon, state.zoom);
    return { x: p.x - c.x + w / 2, y: p.y - c.y + height / 2 };
  }

  function toLatLon(x, y) {
    const { w, h: height } = size();
    const c = project(state.centre.lat, state.centre.lon, state.zoom);
    return unproject(c.x + x - w / 2, c.y + y - height / 2, state.zoom);
  }

  function drawTiles(layer, w, height) {
    const z = Math.round(state.zoom);
    const c = project(state.centre.lat, state.centre.lon, z);
    const x0 = Math.floor((c.x - w / 2) / TILE), x1 = Math.floor((c.x + w / 2) / TILE);
    const y0 = Math.floor((c.y - height / 2) / TILE), y1 = Math.floor((c.y + height / 2) / TILE);
    const n = 2 ** z;
    for (let tx = x0; tx <= x1; tx++) {
      for (let ty = Math.max(0, y0); ty <= Math.min(n - 1, y1); ty++) {
        const wrapped = ((tx % n) + n) % n;
        const href = options.tileUrl.replace("{z}", z).replace("{x}", wrapped).replace("{y}", ty).replace("{s}", "a");
        layer.append(s("image", { href, x: tx * TILE - c.x + w / 2, y: ty * TILE - c.y + height / 2,
          width: TILE, height: TILE }));
      }
    }
  }

  function drawGrid(layer, w, height) {
    // A light graticule every "round" step so a map without tiles still reads as a map.
    const step = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10].find((d) => {
      const a = toScreen(state.centre.lat, state.centre.lon), b = toScreen(state.centre.lat, state.centre.lon + d);
      return b.x - a.x > 70;
    }) || 10;
    const tl = toLatLon(0, 0), br = toLatLon(w, height);
    for (let lon = Math.floor(tl.lon / step) * step; lon <= br.lon; lon += step) {
      const x = toScreen(state.centre.lat, lon).x;
      layer.append(s("line", { x1: x, y1: 0, x2: x, y2: height, class: "grid" }));
    }
    for (let lat = Math.floor(br.lat / step) * step; lat <= tl.lat; lat += step) {
      const y = toScreen(lat, state.centre.lon).y;
      layer.append(s("line", { x1: 0, y1: y, x2: w, y2: y, class: "grid" }));
    }
  }

  function drawScale(layer, height) {
    const mpp = metresPerPixel(state.centre.lat, state.zoom);
    const metres = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000].find((m) => m / mpp > 60) || 100000;
    const px = metres / mpp;
    const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
    layer.append(s("g", { class: "scale", transform: `translate(10 ${height - 14})` },
      s("line", { x1: 0, y1: 0, x2: px, y2: 0 }),
      s("text", { x: px + 6, y: 4 }, label)));
  }

  function redraw() {
    const { w, h: height } = size();
    svg.setAttribute("viewBox", `0 0 ${w} ${height}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", height);
    const base = s("g", { class: "base" });
    if (options.tileUrl) drawTiles(base, w, height); else drawGrid(base, w, height);
    const areas = s("g", { class: "areas" });
    for (const area of state.areas) {
      const d = area.rings.map((ring) => ring.map(([lon, lat], i) => {
        const p = toScreen(lat, lon);
        return `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
      }).join("") + "Z").join("");
      areas.append(s("path", { d, class: `area ${area.kind || ""}` }, area.title ? s("title", {}, area.title) : null));
    }
    const marks = s("g", { class: "markers" });
    state.markers.forEach((m) => {
      const p = toScreen(m.lat, m.lon);
      const g = s("g", { class: `marker ${m.kind || ""}`, transform: `translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})` },
        s("title", {}, m.title || m.label || ""),
        s("circle", { r: 11 }),
        s("text", { y: 4, "text-anchor": "middle" }, m.label || ""));
      if (m.onSelect) g.addEventListener("click", (event) => { event.stopPropagation(); m.onSelect(); });
      marks.append(g);
    });
    if (state.location) {
      const p = toScreen(state.location.lat, state.location.lon);
      marks.append(s("g", { class: "here", transform: `translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})` },
        s("title", {}, t("map.here")), s("circle", { r: 14, class: "halo" }), s("circle", { r: 6 })));
    }
    const overlay = s("g", { class: "overlay" });
    drawScale(overlay, height);
    svg.replaceChildren(base, areas, marks, overlay);
  }

  function zoomBy(delta) {
    state.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, state.zoom + delta));
    redraw();
  }

  // Drag pans; a press that barely moves is a tap that picks a location.
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, centre: project(state.centre.lat, state.centre.lon, state.zoom), moved: false };
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 6) drag.moved = true;
    if (!drag.moved) return;
    state.centre = unproject(drag.centre.x - dx, drag.centre.y - dy, state.zoom);
    redraw();
  });
  svg.addEventListener("pointerup", (event) => {
    const wasTap = drag && !drag.moved;
    drag = null;
    if (!wasTap || !options.onPick) return;
    if (event.target.closest && event.target.closest(".marker")) return;
    const box = svg.getBoundingClientRect();
    const picked = toLatLon(event.clientX - box.left, event.clientY - box.top);
    options.onPick({ lat: Number(picked.lat.toFixed(5)), lon: Number(picked.lon.toFixed(5)) });
  });

  new ResizeObserver(() => redraw()).observe(container);

  const map = {
    setMarkers(markers) { state.markers = markers.filter((m) => Number.isFinite(m.lat) && Number.isFinite(m.lon)); redraw(); },
    setAreas(areas) { state.areas = areas; redraw(); },
    setLocation(location) { state.location = location; redraw(); },
    centreOn(lat, lon, zoom) { state.centre = { lat, lon }; if (zoom) state.zoom = zoom; redraw(); },
    /** Zooms to show every point (lat/lon objects) with a margin. */
    fit(points) {
      const pts = points.filter((p) => p && Number.isFinite(p.lat) && Number.isFinite(p.lon));
      if (!pts.length) return;
      const lats = pts.map((p) => p.lat), lons = pts.map((p) => p.lon);
      const box = { n: Math.max(...lats), s: Math.min(...lats), e: Math.max(...lons), w: Math.min(...lons) };
      state.centre = { lat: (box.n + box.s) / 2, lon: (box.e + box.w) / 2 };
      const { w, h: height } = size();
      let zoom = 15;
      while (zoom > MIN_ZOOM) {
        const a = project(box.n, box.w, zoom), b = project(box.s, box.e, zoom);
        if (b.x - a.x < w - 60 && b.y - a.y < height - 60) break;
        zoom -= 1;
      }
      state.zoom = zoom;
      redraw();
    },
    redraw,
  };
  redraw();
  return map;
}

/** GeoJSON Polygon / MultiPolygon geometry -> rings for map.setAreas. */
export function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}
