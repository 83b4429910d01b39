// The dashboard's login for browsers: the login form checks a token and sets a cookie
// that holds the token's name, an expiry and an HMAC of both keyed by the token — never
// the token itself. Rotating the secret ends every session; a cookie cannot be forged
// or extended without the token. The cookie is `HttpOnly; Secure; SameSite=Strict` and
// scoped to /__edge-mirror/, so it never travels with requests the worker forwards.
import type { AdminToken } from "./admin-tokens";

export const ADMIN_PREFIX = "/__edge-mirror/";
export const SESSION_COOKIE = "edge_mirror_session";
/** How long a login lasts. */
export const SESSION_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

async function hmacKey(token: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const signedText = (name: string, expires: number) => encoder.encode(`edge-mirror session|${name}|${expires}`);

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The cookie's value for a token, valid until `nowSeconds + SESSION_SECONDS`. */
export async function sessionValue(token: AdminToken, nowSeconds: number): Promise<string> {
  const expires = nowSeconds + SESSION_SECONDS;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(token.token), signedText(token.name, expires));
  return `${token.name}.${expires}.${base64url(mac)}`;
}

/** The token a cookie value was made with, if it is genuine and not expired (HMAC verify is constant-time). */
export async function sessionToken(tokens: readonly AdminToken[], value: string, nowSeconds: number): Promise<AdminToken | undefined> {
  const [name, expiresText, macText, extra] = value.split(".");
  if (extra !== undefined || !name || !expiresText || !macText) return undefined;
  const expires = Number(expiresText);
  const mac = fromBase64url(macText);
  if (!Number.isSafeInteger(expires) || expires <= nowSeconds || !mac) return undefined;
  for (const candidate of tokens) {
    if (candidate.name !== name) continue;
    if (await crypto.subtle.verify("HMAC", await hmacKey(candidate.token), mac, signedText(name, expires))) return candidate;
  }
  return undefined;
}

export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=${ADMIN_PREFIX}; Max-Age=${SESSION_SECONDS}; HttpOnly; Secure; SameSite=Strict`;
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=${ADMIN_PREFIX}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;

/** The session cookie's value in a Cookie header. */
export function readSessionCookie(cookieHeader: string | null): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The CSRF defence for requests a cookie authenticates (forms): besides SameSite=Strict,
 * the browser's Origin (or, without one, its Referer) must be this very origin. A
 * request with neither is refused: every browser that sends cookies sends one of them on a POST.
 */
export function sameOrigin(request: Request): boolean {
  const own = new URL(request.url).origin;
  const origin = request.headers.get("origin");
  if (origin !== null) return origin === own;
  const referer = request.headers.get("referer");
  if (referer === null) return false;
  try {
    return new URL(referer).origin === own;
  } catch {
    return false;
  }
}
