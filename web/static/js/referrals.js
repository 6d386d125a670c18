// Referrals on the case manager's pages: the "Refer" button beside "Hold", the referral card (the
// reference code in large type, what to bring, the address, when the provider answers), and the
// list of "My referrals". Nothing about the person is sent: the service, the need, the hold, the
// program and the place (the server keeps only its H3 cell).
import { api } from "./api.js";
import { $, h, fill, toast } from "./dom.js";
import { t } from "./i18n.js";
import { clock, timeAgo, addressLine } from "./format.js";

export const OPEN_STATES = new Set(["sent", "accepted", "arrived"]);

export function stateLabel(state) {
  return t(`ref.state.${state}`, {}, state);
}

/** Shows the card for a referral in the match page's card dialog (#card-dialog / #referral-card). */
export async function showReferralCard(referral, hold) {
  const dialog = $("#card-dialog");
  const card = $("#referral-card");
  fill(card, h("p", { id: "card-title" }, t("ref.loading")));
  if (!dialog.open) dialog.showModal();
  let service = null;
  try {
    service = await api(`/v1/services/${encodeURIComponent(referral.service_id)}`);
  } catch { /* the code and the times still help without the address */ }
  const location = ((service && service.service_at_locations) || [])[0]?.location || {};
  const address = (location.addresses || []).find((a) => a.address_type !== "postal") || (location.addresses || [])[0];
  const bring = ((service && service.required_documents) || []).map((d) => d.document).filter(Boolean);
  if (service && service.application_process) bring.push(service.application_process);
  const rows = [
    [t("ref.address"), address ? addressLine(address) : t("ref.unknown")],
    [t("ref.bring"), bring.length ? bring.join("; ") : t("ref.nothingListed")],
  ];
  fill(card,
    h("p", { class: "card-kicker" }, t("ref.kicker")),
    h("h2", { id: "card-title" }, (service && service.name) || referral.service_name || ""),
    h("p", { class: "ref-code-label" }, t("ref.code")),
    h("p", { class: "ref-code", "aria-label": referral.reference.split("").join(" ") }, referral.reference),
    h("p", { class: "ref-respond" }, t("ref.respondBy", { time: clock(referral.respond_by) })),
    hold ? h("p", { class: "held" }, t("ref.held", { until: clock(hold.expires_at) })) : null,
    h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
  card.dataset.shareText = [t("ref.code") + ": " + referral.reference, (service && service.name) || "",
    ...rows.map(([k, v]) => `${k}: ${v}`)].filter(Boolean).join("\n");
}

/** The "Refer" button of one option of a match answer. `context()` gives {need, hold, program, place}
 * at the moment of the tap, so a hold placed after rendering is attached. */
export function referButton(option, context) {
  return h("button", { type: "button", class: "refer-button", onclick: () => sendReferral(option, context()) },
    t("ref.button"));
}

async function sendReferral(option, { need, hold, program, place }) {
  const body = { service_id: option.service_id, need };
  if (hold) body.hold_id = hold.hold_id;
  if (program) body.program = program;
  if (place && place.postcode) body.location = { postcode: place.postcode };
  else if (place) body.location = { lat: place.lat, lon: place.lon };
  toast(t("ref.sending"));
  try {
    const referral = await api("/v1/referrals", { method: "POST", body });
    toast(t("ref.sent", { name: option.name }));
    await showReferralCard(referral, hold);
  } catch (err) {
    toast(t("err.api", { detail: err.message }));
  }
}

/** One line of "My referrals": code, service, state and time since the last move. */
export function referralItem(referral, actions = []) {
  const last = referral.history && referral.history.length ? referral.history[referral.history.length - 1] : null;
  const since = timeAgo((last && last.at) || referral.updated_at);
  const reason = last && last.reason ? ` (${t(`ref.reason.${last.reason}`, {}, last.reason)})` : "";
  return h("li", { class: `referral ${referral.state}`, dataset: { referralId: referral.id, reference: referral.reference } },
    h("p", { class: "ref-line" }, h("strong", { class: "ref-code small-code" }, referral.reference), " ",
      h("span", {}, referral.service_name || referral.service_id)),
    h("p", { class: "ref-state" }, t("ref.since", { state: stateLabel(referral.state) + reason, ago: since })),
    actions.length ? h("div", { class: "row actions" }, actions) : null);
}
