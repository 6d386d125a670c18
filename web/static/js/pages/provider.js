// Provider page: a provider's pools with − / + and Save, so an update is two taps from a phone.
import { api, listOf } from "../api.js";
import { $, h, fill, toast } from "../dom.js";
import { t, onLanguageChange } from "../i18n.js";
import { boot, notice, problemText } from "../shell.js";
import { timeAgo, clock } from "../format.js";
import { mountIncoming, renderIncoming, setIncomingWho } from "../incoming.js";

const WRITERS = new Set(["provider", "curator", "admin"]);
const state = { who: null, pools: [], drafts: new Map(), serviceNames: new Map() };

function draftOf(pool) {
  if (!state.drafts.has(pool.id)) {
    state.drafts.set(pool.id, { available: Number(pool.available ?? 0), waitlist: Number(pool.waitlist ?? 0),
      maximum: pool.maximum === null || pool.maximum === undefined ? null : Number(pool.maximum) });
  }
  return state.drafts.get(pool.id);
}

function stepper(pool, name, labelKey) {
  const draft = draftOf(pool);
  const id = `${name}-${pool.id}`;
  const input = h("input", { id, type: "number", inputmode: "numeric", min: "0", value: draft[name] ?? "", class: "count-input",
    oninput: (event) => { draft[name] = Math.max(0, Number(event.target.value) || 0); markDirty(pool); } });
  const change = (delta) => {
    draft[name] = Math.max(0, (draft[name] ?? 0) + delta);
    input.value = draft[name];
    markDirty(pool);
  };
  return h("div", { class: "stepper" },
    h("label", { for: id }, t(labelKey)),
    h("div", { class: "row" },
      h("button", { type: "button", class: "step", "aria-label": t("prov.less", { what: t(labelKey) }), onclick: () => change(-1) }, "−"),
      input,
      h("button", { type: "button", class: "step", "aria-label": t("prov.more", { what: t(labelKey) }), onclick: () => change(1) }, "+")));
}

function markDirty(pool) {
  const card = document.getElementById(`pool-${pool.id}`);
  if (card) card.classList.add("dirty");
}

function poolCard(pool) {
  const unit = pool.unit && typeof pool.unit === "object" ? (pool.unit.name || pool.unit.id) : pool.unit;
  const reserved = pool.reserved_for || [];
  const serviceName = pool.service_name || state.serviceNames.get(pool.service_id);
  const title = [serviceName, pool.description].filter(Boolean).join(" · ");
  return h("form", { class: "panel pool", id: `pool-${pool.id}`, "aria-labelledby": `pool-title-${pool.id}`,
    onsubmit: (event) => { event.preventDefault(); save(pool); } },
    h("h2", { id: `pool-title-${pool.id}` }, title || unit || pool.id),
    h("p", { class: "small muted" },
      unit ? `${unit} · ` : "",
      pool.maximum !== undefined && pool.maximum !== null ? t("prov.of", { n: pool.maximum }) + " · " : "",
      reserved.length ? t("svc.reserved", { programs: reserved.join(", ") }) + " · " : "",
      pool.updated ? t("cap.updated", { ago: timeAgo(pool.updated) }) : ""),
    h("div", { class: "steppers" }, stepper(pool, "available", "prov.available"), stepper(pool, "waitlist", "prov.waitlist"),
      stepper(pool, "maximum", "prov.maximum")),
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary" }, t("prov.save")),
      h("span", { class: "save-status", role: "status", id: `status-${pool.id}` })),
    h("div", { class: "conflict", id: `conflict-${pool.id}`, role: "alert" }));
}

/** Saves the draft with the pool's ETag as If-Match: a count stored since this page read the pool
 * is never silently overwritten (412 shows both and lets the user choose). */
async function save(pool) {
  const draft = draftOf(pool);
  const status = document.getElementById(`status-${pool.id}`);
  const updated = new Date().toISOString();
  status.classList.remove("error");
  clearConflict(pool);
  const body = { available: draft.available, waitlist: draft.waitlist, updated };
  if (draft.maximum !== null && draft.maximum !== undefined) body.maximum = draft.maximum;
  try {
    const result = await api(`/v1/capacity/${encodeURIComponent(pool.id)}`, { method: "PUT", body,
      headers: pool.etag ? { "If-Match": pool.etag } : {} });
    if (result && result.applied === false) {
      status.textContent = t("prov.notApplied");
      return;
    }
    Object.assign(pool, result && result.capacity ? result.capacity : draft, { updated });
    if (result && result.etag) pool.etag = result.etag;
    document.getElementById(`pool-${pool.id}`).classList.remove("dirty");
    status.textContent = t("prov.saved", { at: clock(updated) });
    toast(t("prov.saved", { at: clock(updated) }));
  } catch (err) {
    if (err.status === 412 && err.body && err.body.capacity) { showConflict(pool, err.body); return; }
    status.classList.add("error");
    status.textContent = t("prov.error", { detail: err.message });
  }
}

function clearConflict(pool) {
  const box = document.getElementById(`conflict-${pool.id}`);
  if (box) fill(box);
}

/** Both counts side by side; the user keeps theirs (saved against the new tag) or takes the stored one. */
function showConflict(pool, answer) {
  const stored = answer.capacity;
  const draft = draftOf(pool);
  const words = (c) => ({ available: c.available ?? 0, waitlist: c.waitlist ?? 0, maximum: c.maximum ?? "—" });
  const box = document.getElementById(`conflict-${pool.id}`);
  fill(box,
    h("p", {}, h("strong", {}, t("prov.conflict", { ago: timeAgo(stored.updated) }))),
    h("p", { class: "theirs" }, t("prov.theirs", words(stored))),
    h("p", { class: "yours" }, t("prov.yours", words(draft))),
    h("div", { class: "row" },
      h("button", { type: "button", class: "primary", onclick: () => { pool.etag = answer.etag; save(pool); } },
        t("prov.keepMine")),
      h("button", { type: "button", onclick: () => {
        Object.assign(pool, stored, { etag: answer.etag });
        state.drafts.delete(pool.id);
        render();
      } }, t("prov.useTheirs"))));
}

function render() {
  const box = $("#pools");
  if (!state.who || !WRITERS.has(state.who.role)) { notice(box, t("prov.signin")); return; }
  if (!state.pools.length) { notice(box, t("prov.none")); return; }
  fill(box, state.pools.map(poolCard));
}

/** Pools name their service by id only; the organization's services give the names people know. */
async function loadServiceNames() {
  if (!state.who.organization_id || !state.pools.length) return;
  try {
    const services = await api("/v1/services", { query: { organization_id: state.who.organization_id, per_page: 100 } });
    for (const service of listOf(services)) state.serviceNames.set(service.id, service.name);
  } catch { /* the pool descriptions still identify them */ }
}

async function load() {
  state.drafts.clear();
  state.pools = [];
  if (state.who && WRITERS.has(state.who.role)) {
    try {
      const data = await api("/v1/capacity", { query: { organization_id: state.who.organization_id } });
      state.pools = listOf(data, "capacities", "pools");
      await loadServiceNames();
    } catch (err) {
      notice($("#pools"), problemText(err), "error");
      return;
    }
  }
  render();
}

boot(async ({ who }) => {
  state.who = who;
  document.addEventListener("divert:signin", (event) => { state.who = event.detail; load(); setIncomingWho(state.who); });
  onLanguageChange(() => { render(); renderIncoming(); });
  mountIncoming($("#incoming"), who);
  await load();
});
