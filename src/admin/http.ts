// The admin surface's one prefix and its one way of answering: every response under
// /__edge-mirror/ (pages, JSON, plain text, redirects) carries the same security
// headers and is never cached.

/** Every path the worker answers itself starts with this, on every host it serves. */
export const ADMIN_PREFIX = "/__edge-mirror/";

/** Whether a request URL's path starts with the prefix: one search and one comparison, so proxied traffic pays nothing more. */
export function isAdminPath(url: string): boolean {
  return url.startsWith(ADMIN_PREFIX, url.indexOf("/", url.indexOf("//") + 2));
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

/** `Bearer` challenge (RFC 6750 §3); `error` for a token presented and refused. */
export function bearerChallenge(error?: "invalid_request" | "invalid_token"): string {
  return error ? `Bearer realm="edge-mirror", error="${error}"` : 'Bearer realm="edge-mirror"';
}

function answer(status: number, body: BodyInit | null, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

/** A page: the nonce is the one inline style's and script's, allowed by the CSP. */
export function html(status: number, page: (nonce: string) => unknown, headers: Record<string, string> = {}): Response {
  const nonce = crypto.randomUUID().replace(/-/g, "");
  return answer(status, `<!doctype html>${String(page(nonce))}`, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    ...headers,
  });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  // Compact: a report near its 256 KiB bound is a fifth smaller than indented (pipe it to jq to read it).
  return answer(status, JSON.stringify(body) + "\n", { "content-type": "application/json", ...headers });
}

export function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return answer(status, `${body}\n`, { "content-type": "text/plain; charset=utf-8", ...headers });
}

/** 303 See Other to a path the caller has checked (localPath), optionally setting the session cookie. */
export function redirect(location: string, cookie?: string): Response {
  return answer(303, null, cookie ? { location, "set-cookie": cookie } : { location });
}

/** Control characters (CR, LF, NUL …): never in a header value, so a redirect target holding one is refused. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const BASE = "https://admin.invalid";

/**
 * A redirect target from a form (`back`, `next`): a path under the admin prefix, as the
 * browser will resolve it (dot segments, `%2e%2e`, backslashes), else the prefix itself.
 * `error` for a value with control characters: a 400, not a header the runtime refuses.
 */
export function localPath(value: unknown): string | { error: string } {
  if (typeof value !== "string" || value === "") return ADMIN_PREFIX;
  if (CONTROL.test(value)) return { error: "a redirect target may not hold control characters (CR, LF …)" };
  if (!value.startsWith(ADMIN_PREFIX) || value.includes("\\")) return ADMIN_PREFIX;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return ADMIN_PREFIX;
  }
  return url.origin === BASE && url.pathname.startsWith(ADMIN_PREFIX) && !url.pathname.includes("//") ? url.pathname + url.search : ADMIN_PREFIX;
}
