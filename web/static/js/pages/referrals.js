// "My referrals" (case manager): the referrals this key sent, waiting ones first, each with its state
// and the time since its last move; a sent or accepted referral can be cancelled.
import { api, listOf } from "../api.js";
import { $, h, fill, toast } from "../dom.js";
import { t, onLanguageChange } from "../i18n.js";
import { boot, notice } from "../shell.js";
import { OPEN_STATES, referralItem, showReferralCard } from "../referrals.js";

const SENDERS = new Set(["case_manager", "operator", "admin"]);
const state = { who: null, referrals: [] };

function render() {
  const box = $("#my-referrals");
  if (!state.who || !SENDERS.has(state.who.role)) { notice(box, t("ref.signin")); return; }
  if (!state.referrals.length) { notice(box, t("ref.none")); return; }
  const open = state.referrals.filter((r) => OPEN_STATES.has(r.state));
  const ended = state.referrals.filter((r) => !OPEN_STATES.has(r.state));
  const item = (r) => referralItem(r, [
    h("button", { type: "button", onclick: () => showReferralCard(r) }, t("ref.code")),
    ["sent", "accepted"].includes(r.state)
      ? h("button", { type: "button", class: "quiet", onclick: () => cancel(r) }, t("ref.cancel")) : null,
  ].filter(Boolean));
  fill(box,
    h("h2", {}, t("ref.pending")), open.length ? h("ul", { class: "referrals" }, open.map(item)) : h("p", { class: "muted" }, "—"),
    h("h2", {}, t("ref.done")), ended.length ? h("ul", { class: "referrals" }, ended.map(item)) : h("p", { class: "muted" }, "—"));
}

async function cancel(referral) {
  try {
    await api(`/v1/referrals/${encodeURIComponent(referral.id)}/cancel`, { method: "POST" });
  } catch (err) {
    toast(t("err.api", { detail: err.message }));
  }
  await load();
}

async function load() {
  state.referrals = [];
  if (state.who && SENDERS.has(state.who.role)) {
    try {
      state.referrals = listOf(await api("/v1/referrals", { query: { per_page: 200 } }));
    } catch (err) {
      notice($("#my-referrals"), t("err.api", { detail: err.message }), "error");
      return;
    }
  }
  render();
}

boot(async ({ who }) => {
  state.who = who;
  $("#refresh").addEventListener("click", load);
  $("#card-close").addEventListener("click", () => $("#card-dialog").close());
  document.addEventListener("divert:signin", (event) => { state.who = event.detail; load(); });
  onLanguageChange(render);
  await load();
});
