// The dashboard's sign-in for browsers: the form checks a token and sets a cookie
// that holds the token's name, an expiry and an HMAC keyed by the token over both and
// the name's session epoch — never the token itself. Rotating the secret ends every
// session; a cookie cannot be forged or extended without the token. Signing out
// raises the name's epoch in the pause switch's Durable Object (one object for the
// whole network, read on every request a cookie authenticates), so every cookie made
// for that name before stops verifying, on every isolate, at once. The cookie is
// `HttpOnly; Secure; SameSite=Strict` and scoped to /__edge-mirror/, so it never
// travels with requests the worker forwards.
import type { AdminToken } from "./tokens";
import { ADMIN_PREFIX } from "./http";
export const SESSION_COOKIE = "edge_mirror_session";
/** How long a login lasts. */
export const SESSION_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

async function hmacKey(token: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const signedText = (name: string, epoch: number, expires: number) => encoder.encode(`edge-mirror session|${name}|${epoch}|${expires}`);

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

/** The cookie's value for a token, valid until `nowSeconds + SESSION_SECONDS` or until the name's epoch moves on. */
export async function sessionValue(token: AdminToken, epoch: number, nowSeconds: number): Promise<string> {
  const expires = nowSeconds + SESSION_SECONDS;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(token.token), signedText(token.name, epoch, expires));
  return `${token.name}.${expires}.${base64url(mac)}`;
}

/** The name a cookie value claims, before it is verified (to look up that name's epoch). */
export function sessionName(value: string): string | undefined {
  const dot = value.indexOf(".");
  return dot > 0 ? value.slice(0, dot) : undefined;
}

/**
 * The token a cookie value was made with, if it is genuine, not expired, and made in
 * the name's current epoch (HMAC verify is constant-time).
 */
export async function sessionToken(tokens: readonly AdminToken[], value: string, epoch: number, nowSeconds: number): Promise<AdminToken | undefined> {
  const [name, expiresText, macText, extra] = value.split(".");
  if (extra !== undefined || !name || !expiresText || !macText) return undefined;
  const expires = Number(expiresText);
  const mac = fromBase64url(macText);
  if (!Number.isSafeInteger(expires) || expires <= nowSeconds || !mac) return undefined;
  for (const candidate of tokens) {
    if (candidate.name !== name) continue;
    if (await crypto.subtle.verify("HMAC", await hmacKey(candidate.token), mac, signedText(name, epoch, expires))) return candidate;
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
