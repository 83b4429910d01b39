// `npm run dev` runs this before `wrangler dev`: without an admin token the worker's
// own paths (/__edge-mirror/: the dashboard, the report, the pause switch) answer a
// bare 404 on purpose — a deployed worker nobody configured exposes nothing, not even
// that it is edge-mirror — so the reason is said here, where only the developer sees it.
// wrangler dev reads local secrets from .dev.vars (or, without one, from .env).
import { existsSync, readFileSync } from "node:fs";

export const TOKEN_NAME = "EDGE_MIRROR_ADMIN_TOKEN";

/** Whether wrangler dev, started here, gives the worker an admin token: from its env files or the environment (its `--var` flag is not seen). */
export function hasLocalAdminToken(dir = ".", env: NodeJS.ProcessEnv = process.env): boolean {
  const file = [`${dir}/.dev.vars`, `${dir}/.env`].find((f) => existsSync(f));
  const setIn = (text: string) => new RegExp(`^\\s*${TOKEN_NAME}\\s*=\\s*\\S`, "m").test(text);
  return Boolean(env[TOKEN_NAME]) || (file !== undefined && setIn(readFileSync(file, "utf8")));
}

export const NOTE = [
  `edge-mirror: no ${TOKEN_NAME} in .dev.vars, so /__edge-mirror/ (the dashboard, the report, the pause switch) answers 404.`,
  `    to turn it on: echo '${TOKEN_NAME}=pick-a-long-random-token' >> .dev.vars, then npm run dev again`,
  `    (in production: npx wrangler secret put ${TOKEN_NAME}; docs/cli.md says more)`,
].join("\n");

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!hasLocalAdminToken()) console.error(NOTE);
}
