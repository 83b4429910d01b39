// Who may use /__edge-mirror/: the secret EDGE_MIRROR_ADMIN_TOKEN (`wrangler secret
// put`, `.dev.vars` locally) holds one token or several, separated by commas or
// whitespace. Each may carry its holder's name before a colon, `alice:3f9c…`: the
// name is what the pause switch's history records (a token without one is "admin"),
// and only the part after the colon is the token a client presents
// (`Authorization: Bearer 3f9c…`, or the login form), so the bearer stays an RFC 6750
// token68 and the name never travels.

export interface AdminToken {
  name: string;
  /** what a client presents */
  token: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The tokens the secret holds; none when it is unset or empty (the admin paths then answer 404). */
export function adminTokens(raw: string | undefined): AdminToken[] {
  if (!raw) return [];
  return raw
    .split(/[\s,]+/)
    .filter((entry) => entry !== "")
    .map((entry) => {
      const colon = entry.indexOf(":");
      const name = entry.slice(0, Math.max(colon, 0));
      return colon > 0 && NAME.test(name) ? { name, token: entry.slice(colon + 1) } : { name: "admin", token: entry };
    })
    .filter((t) => t.token !== "");
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
