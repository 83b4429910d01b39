// Who may use /__edge-mirror/: the secret EDGE_MIRROR_ADMIN_TOKEN (`wrangler secret
// put`, `.dev.vars` locally) holds one token or several, separated by commas or
// whitespace. Each may carry its holder's name before a colon, `alice:3f9c…`: the
// name is what the pause switch's history records (a token without one is "admin"),
// and only the part after the colon is the token a client presents
// (`Authorization: Bearer 3f9c…`, or the sign-in form), so the name never travels.
//
// One rule for every admin path: a token is RFC 6750's b64token (§2.1: letters,
// digits, `-._~+/`, then `=` padding) of at least 16 characters. A secret holding
// any other entry is refused whole (adminConfig), never half-accepted: the admin
// paths then answer 503 naming the entry, and the proxy keeps working.

export interface AdminToken {
  name: string;
  /** what a client presents */
  token: string;
}

/** The shortest token accepted. */
export const MIN_TOKEN_LENGTH = 16;
/** RFC 6750 §2.1 b64token. */
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export type AdminConfig =
  /** no secret: the admin paths do not exist (404) */
  | { kind: "off" }
  /** a secret with an entry that is not a usable token: 503, saying which */
  | { kind: "refused"; problems: string[] }
  | { kind: "on"; tokens: AdminToken[] };

/** The secret's entries, split and named, unchecked. */
export function adminTokens(raw: string | undefined): AdminToken[] {
  if (!raw) return [];
  return raw
    .split(/[\s,]+/)
    .filter((entry) => entry !== "")
    .map((entry) => {
      const colon = entry.indexOf(":");
      const name = entry.slice(0, Math.max(colon, 0));
      return colon > 0 && NAME.test(name) ? { name, token: entry.slice(colon + 1) } : { name: "admin", token: entry };
    });
}

/** What is wrong with one token, if anything; `label` names it without showing it. */
function problemOf(t: AdminToken, label: string): string | undefined {
  if (t.token === "") return `${label} is empty`;
  if (!B64TOKEN.test(t.token)) return `${label} has characters outside RFC 6750's token set (letters, digits, - . _ ~ + /, then = padding)`;
  if (t.token.length < MIN_TOKEN_LENGTH) return `${label} is ${t.token.length} character${t.token.length === 1 ? "" : "s"} long; at least ${MIN_TOKEN_LENGTH} are needed`;
  return undefined;
}

let cached: { raw: string | undefined; config: AdminConfig } | undefined;

/** The secret, read and checked once per isolate (again only when it changes). */
export function adminConfig(raw: string | undefined): AdminConfig {
  if (cached !== undefined && cached.raw === raw) return cached.config;
  const tokens = adminTokens(raw);
  const named = tokens.filter((t) => t.name !== "admin").length > 0;
  const problems = tokens.flatMap((t, i) => problemOf(t, t.name !== "admin" ? `token "${t.name}"` : named || tokens.length > 1 ? `token ${i + 1} (unnamed)` : "the token") ?? []);
  const config: AdminConfig = tokens.length === 0 ? { kind: "off" } : problems.length > 0 ? { kind: "refused", problems } : { kind: "on", tokens };
  cached = { raw, config };
  return config;
}

const encoder = new TextEncoder();

/**
 * The token that equals `presented`, compared in constant time: both sides are
 * hashed first (as Hono's bearer-auth does), so neither the length nor the first
 * differing byte shows in the timing, and every token is compared.
 */
export async function findToken(tokens: readonly AdminToken[], presented: string): Promise<AdminToken | undefined> {
  const digest = async (text: string) => crypto.subtle.digest("SHA-256", encoder.encode(text));
  const mine = await digest(presented);
  let found: AdminToken | undefined;
  for (const candidate of tokens) {
    if (crypto.subtle.timingSafeEqual(mine, await digest(candidate.token)) && found === undefined) found = candidate;
  }
  return found;
}
