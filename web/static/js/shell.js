// What every page shares: the deployment config, the language switch, the sign-in box and `whoami`.
import { api, storedKey, storeKey, ApiError } from "./api.js";
import { $, $$, fill } from "./dom.js";
import { applyTranslations, setLanguage, lang, t, onLanguageChange } from "./i18n.js";

let whoamiCache = null;

/** The caller's role and bindings, or null when no (valid) key is stored. */
export async function whoami() {
  if (!storedKey()) return null;
  if (whoamiCache) return whoamiCache;
  try {
    whoamiCache = await api("/v1/whoami");
  } catch {
    whoamiCache = null;
  }
  return whoamiCache;
}

function showSignedIn(who) {
  const status = $("#signin-status");
  const summary = $("#signin-summary span");
  if (who) {
    summary.textContent = t("signin.as", { role: t(`role.${who.role}`) });
    status.textContent = t("signin.role", { role: t(`role.${who.role}`) }) +
      (who.organization_id ? ` · ${who.organization_id}` : "") + (who.program ? ` · ${who.program}` : "");
  } else {
    summary.textContent = t(storedKey() ? "signin.bad" : "signin.summary");
    status.textContent = storedKey() ? t("signin.bad") : "";
  }
}

/**
 * boot(init): loads config, applies the language, wires the header, then runs the page's init with
 * {config, who, signedIn}. init runs again (via the returned hooks) when the key changes.
 */
export async function boot(init) {
  const config = await fetch("/v1/config").then((r) => r.json());
  setLanguage(localStorage.getItem("divert.lang") || (navigator.language || "en").slice(0, 2));
  const select = $("#lang");
  select.value = lang();
  select.addEventListener("change", () => {
    localStorage.setItem("divert.lang", select.value);
    setLanguage(select.value);
  });
  const page = document.body.dataset.page;
  for (const link of $$("[data-nav]")) {
    if (link.dataset.nav === page) link.setAttribute("aria-current", "page");
  }
  applyTranslations();

  const context = { config, who: await whoami() };
  showSignedIn(context.who);
  onLanguageChange(() => showSignedIn(context.who));

  $("#signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#api-key");
    storeKey(input.value.trim());
    input.value = "";
    whoamiCache = null;
    context.who = await whoami();
    showSignedIn(context.who);
    if (context.who) $("#signin").open = false;
    document.dispatchEvent(new CustomEvent("divert:signin", { detail: context.who }));
  });
  $("#signout").addEventListener("click", () => {
    storeKey("");
    whoamiCache = null;
    context.who = null;
    showSignedIn(null);
    document.dispatchEvent(new CustomEvent("divert:signin", { detail: null }));
  });
  if (!storedKey()) $("#signin").open = false;
  await init(context);
  return context;
}

/** A notice inside a page region, e.g. "sign in as a planner to see this". */
export function notice(el, message, kind = "info") {
  fill(el, Object.assign(document.createElement("p"), { className: `notice ${kind}`, textContent: message }));
}

/** What went wrong, in the same words on every page: the server's own answer, or that it could not
 * be reached at all (fetch failed: offline, server down, blocked). */
export function problemText(err) {
  return err instanceof ApiError ? t("err.api", { detail: err.message }) : t("err.network");
}
