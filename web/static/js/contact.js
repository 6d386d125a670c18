// Ways to reach a service: phone numbers as tel: links, emails as mailto: links, websites as links,
// each with a copy button (an operator pastes them into a case note or a text message).
import { h, toast } from "./dom.js";
import { t } from "./i18n.js";

/** The dialable form of a US-style number ("(206) 555-0100 x12" -> "+12065550100,12"). */
export function telHref(number, extension) {
  const digits = String(number || "").replace(/[^\d+]/g, "");
  if (!digits) return null;
  const full = digits.startsWith("+") ? digits : digits.length === 10 ? `+1${digits}` : digits;
  return `tel:${full}${extension ? `,${String(extension).replace(/\D/g, "")}` : ""}`;
}

export function copyButton(text) {
  return h("button", {
    type: "button", class: "copy", title: t("contact.copy", { text }), "aria-label": t("contact.copy", { text }),
    onclick: () => navigator.clipboard.writeText(text).then(() => toast(t("contact.copied", { text })),
      () => toast(t("contact.copyFailed"))),
  }, t("contact.copyShort"));
}

/** A phone object (HSDS `phone`) as a link plus copy button; null without a number. */
export function phoneLink(phone) {
  const number = phone && phone.number;
  const href = telHref(number, phone && phone.extension);
  if (!href) return null;
  const said = [number, phone.extension ? `x${phone.extension}` : ""].filter(Boolean).join(" ");
  return h("span", { class: "contact" }, h("a", { href }, said),
    phone.description ? h("span", { class: "muted" }, ` (${phone.description})`) : null, " ", copyButton(said));
}

export function emailLink(email) {
  if (!email) return null;
  return h("span", { class: "contact" }, h("a", { href: `mailto:${email}` }, email), " ", copyButton(email));
}

export function webLink(url) {
  if (!url || !/^https?:\/\//i.test(url)) return url || null;  // never a javascript: link
  return h("span", { class: "contact" }, h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url),
    " ", copyButton(url));
}
