// Calls to the divert API with the key the user pasted once (kept in localStorage, sent as Bearer).

const KEY_STORAGE = "divert.key";

export function storedKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ""; } catch { return ""; }
}

export function storeKey(token) {
  if (token) localStorage.setItem(KEY_STORAGE, token);
  else localStorage.removeItem(KEY_STORAGE);
}

/** An API answer that was not 2xx: status, the contract's error code and its detail. */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body === "object" ? (body.detail || body.error) : body;
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error;
    this.body = body;
  }
}

function headers(extra = {}) {
  const out = { Accept: "application/json", ...extra };
  const key = storedKey();
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

/** Fetches JSON from the API; throws ApiError on any non-2xx answer, returns null for 204. `headers`
 * adds request headers (Accept-Language, If-Match). */
export async function api(path, { method = "GET", body, query, headers: extra = {} } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === "") continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes("?") ? "&" : "?") + qs;
  }
  const init = { method, headers: headers({ ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...extra }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(url, init);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Fetches a file with the key and hands it to the browser as a download (no key in the URL). */
export async function download(path, filename) {
  const response = await fetch(path, { headers: headers({ Accept: "*/*" }) });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(response.status, data);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob;
}

/** HSDS lists arrive as a page {contents: [...]} or a bare array; other rooms may wrap in items/rows. */
export function listOf(data, ...names) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  for (const name of ["contents", ...names, "items", "results", "data"]) {
    if (Array.isArray(data[name])) return data[name];
  }
  return [];
}
