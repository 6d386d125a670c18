// "Incoming" on the provider page: referrals to this organization's services, found by their
// reference code, answered with two taps (the first arms the button, the second makes the move).
import { api, listOf } from "./api.js";
import { $, h, fill, toast } from "./dom.js";
import { t } from "./i18n.js";
import { OPEN_STATES, referralItem, stateLabel } from "./referrals.js";

const REASONS = ["no_capacity", "not_eligible", "participant_declined", "no_contact", "other"];
// The moves a provider makes from each state (CONTRACT §2.7).
const MOVES_FROM = {
  sent: ["accept", "decline", "arrive"],
  accepted: ["arrive", "decline", "no_show"],
  arrived: ["enroll"],
};
const ARM_MS = 4000;
const state = { who: null, referrals: [], reference: "" };

/** A button that asks for a second tap before it acts, so a stray tap changes nothing. */
function twoTap(label, act, extraClass = "") {
  const button = h("button", { type: "button", class: `two-tap ${extraClass}` }, label);
  button.addEventListener("click", () => {
    if (button.dataset.armed === "1") { button.disabled = true; act(); return; }
    button.dataset.armed = "1";
    button.textContent = t("inc.confirm", { action: label });
    button.classList.add("armed");
    setTimeout(() => {
      if (!button.isConnected) return;
      button.dataset.armed = "";
      button.textContent = label;
      button.classList.remove("armed");
    }, ARM_MS);
  });
  return button;
}

async function makeMove(referral, action, body) {
  try {
    const moved = await api(`/v1/referrals/${encodeURIComponent(referral.id)}/${action}`, { method: "POST", body });
    toast(t("inc.done", { code: moved.reference, state: stateLabel(moved.state) }));
  } catch (err) {
    toast(t("err.api", { detail: err.message }));
  }
  await loadIncoming();
}

function actionsFor(referral) {
  return (MOVES_FROM[referral.state] || []).map((action) => {
    if (action !== "decline") {
      return twoTap(t(`inc.${action}`), () => makeMove(referral, action), `move-${action}`);
    }
    const reason = h("select", { class: "decline-reason", "aria-label": t("inc.reason") },
      REASONS.map((r) => h("option", { value: r }, t(`ref.reason.${r}`))));
    return h("span", { class: "decline-group" }, reason,
      twoTap(t("inc.decline"), () => makeMove(referral, "decline", { reason: reason.value }), "move-decline"));
  });
}

function render() {
  const box = $("#incoming-list");
  if (!box) return;
  if (!state.who || !["provider", "admin"].includes(state.who.role)) {
    fill(box, h("p", { class: "muted" }, t("inc.signin")));
    return;
  }
  if (!state.referrals.length) { fill(box, h("p", { class: "muted" }, t("inc.none"))); return; }
  const open = state.referrals.filter((r) => OPEN_STATES.has(r.state));
  const ended = state.referrals.filter((r) => !OPEN_STATES.has(r.state)).slice(0, 20);
  fill(box, h("ul", { class: "referrals incoming" }, [...open, ...ended].map((r) => referralItem(r, actionsFor(r)))));
}

// Loads overlap (page start, sign-in, a search typed at once): only the newest one may draw, so an older
// answer arriving late never replaces the list the user is already tapping in.
let latestLoad = 0;

export async function loadIncoming() {
  const load = ++latestLoad;
  let referrals = [];
  if (state.who && ["provider", "admin"].includes(state.who.role)) {
    try {
      const query = { per_page: 200, reference: state.reference || undefined };
      referrals = listOf(await api("/v1/referrals", { query }));
    } catch (err) {
      if (load !== latestLoad) return;
      fill($("#incoming-list"), h("p", { class: "notice error" }, t("err.api", { detail: err.message })));
      return;
    }
  }
  if (load !== latestLoad) return;
  state.referrals = referrals;
  render();
}

/** Builds the Incoming section inside `root` and loads it for `who`. */
export function mountIncoming(root, who) {
  state.who = who;
  if (!$("#incoming-list", root)) {
    const search = h("input", { id: "incoming-search", name: "reference", autocomplete: "off", spellcheck: "false",
      maxlength: "12", size: "8", "aria-label": t("inc.search"), placeholder: "ABC234" });
    const form = h("form", { class: "row incoming-search", role: "search" },
      h("label", { for: "incoming-search" }, t("inc.search")), search,
      h("button", { type: "submit" }, t("inc.find")),
      h("button", { type: "button", class: "quiet", onclick: () => { search.value = ""; state.reference = ""; loadIncoming(); } },
        t("inc.all")));
    form.addEventListener("submit", (event) => { event.preventDefault(); state.reference = search.value.trim(); loadIncoming(); });
    fill(root, h("h2", { id: "incoming-title" }, t("inc.title")), form,
      h("div", { id: "incoming-list", "aria-live": "polite" }));
  }
  return loadIncoming();
}

export function setIncomingWho(who) { state.who = who; return loadIncoming(); }
export function renderIncoming() {
  const title = $("#incoming-title");
  if (title) title.textContent = t("inc.title");
  render();
}
