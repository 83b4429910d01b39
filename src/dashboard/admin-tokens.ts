// Who may use /__edge-mirror/: the secret EDGE_MIRROR_ADMIN_TOKEN (`wrangler secret
// put`, `.dev.vars` locally) holds one token or several, separated by commas or
// whitespace. A token may carry its holder's name before a colon, `alice:3f9c…`, and
// that name is what the pause switch's history records; a token without one is
// "admin". The whole `name:secret` text is what a client presents as its bearer token.

export interface AdminToken {
  name: string;
  /** the whole text, as presented in `Authorization: Bearer …` */
  token: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The tokens the secret holds; none when it is unset or empty (the admin paths then answer 404). */
export function adminTokens(raw: string | undefined): AdminToken[] {
  if (!raw) return [];
  return raw
    .split(/[\s,]+/)
    .filter((token) => token !== "")
    .map((token) => {
      const colon = token.indexOf(":");
      const name = colon > 0 ? token.slice(0, colon) : "";
      return { name: NAME.test(name) ? name : "admin", token };
    });
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
