// The one way the admin surface identifies a caller, on every path: an
// `Authorization: Bearer <token>` header (RFC 6750 §2.1), else the sign-in cookie
// (session.ts). A bearer header that is not RFC 6750's syntax is a bad request (400,
// §3.1 invalid_request); a well-formed token that matches none is 401 (invalid_token).
// Every presented token, right or wrong, passes the per-client guard (guard.ts)
// first, so past the limit the answer is 429 whatever was presented.
import { findToken, type AdminToken } from "./tokens";
import { readSessionCookie, sessionName, sessionToken } from "./session";
import { clientKey } from "./guard";
import { SWITCH_OBJECT } from "../switch/mirror-switch";
import { text } from "./http";

export interface Caller {
  token: AdminToken;
  /** a cookie is sent by the browser on its own, so those requests need the CSRF check */
  via: "bearer" | "cookie";
}

/** Why no caller: nothing presented, a malformed header, a wrong token or cookie, or too many guesses. */
export type NoCaller = { refused: "none" | "malformed" | "wrong" } | { refused: "limited"; retryAfter: number };

/** RFC 6750 §2.1: `Bearer` 1*SP b64token (the scheme is case-insensitive, RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The worker's environment as the admin surface reads it: the generated `Env`
 * (worker-configuration.d.ts), every binding optional, since tests and a bare workerd
 * may lack some and each path says which one it needs.
 */
export type AdminEnv = Partial<Env>;

export function switchStub(env: AdminEnv) {
  const ns = env.MIRROR_SWITCH;
  return ns?.get(ns.idFromName(SWITCH_OBJECT));
}

/**
 * Passes one presented credential through the client's guard: 0 to answer, else the
 * seconds to wait. Without the ADMIN_GUARD binding nothing is counted (admin.ts
 * refuses to serve the surface without it).
 */
export async function guarded(request: Request, env: AdminEnv, failed: boolean): Promise<number> {
  const ns = env.ADMIN_GUARD;
  if (!ns) return 0;
  return ns.get(ns.idFromName(clientKey(request.headers))).attempt(failed);
}

export async function identify(request: Request, env: AdminEnv, tokens: readonly AdminToken[], nowMs: number): Promise<Caller | NoCaller> {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = BEARER.exec(authorization);
    if (!match) return { refused: "malformed" };
    const token = await findToken(tokens, match[1]!);
    const retryAfter = await guarded(request, env, token === undefined);
    if (retryAfter > 0) return { refused: "limited", retryAfter };
    return token ? { token, via: "bearer" } : { refused: "wrong" };
  }
  const cookie = readSessionCookie(request.headers.get("cookie"));
  const name = cookie === undefined ? undefined : sessionName(cookie);
  const stub = switchStub(env);
  if (cookie === undefined || name === undefined || !stub || !tokens.some((t) => t.name === name)) return { refused: cookie === undefined ? "none" : "wrong" };
  const token = await sessionToken(tokens, cookie, await stub.sessionEpoch(name), Math.floor(nowMs / 1000));
  return token ? { token, via: "cookie" } : { refused: "wrong" };
}

/** Past the guessing limit (RFC 6585 §4). */
export function tooMany(retryAfter: number): Response {
  return text(429, `too many failed sign-ins or tokens from this address: try again in ${retryAfter} s`, { "retry-after": String(retryAfter) });
}
