// JSON answers for the comparison tests and the demo, under /compare/: the same
// path answers differently on v1 and v2 where a scenario needs it. Origins named
// v1 or v1b answer as v1; any other name answers as v2.
//   /compare/same         identical on both
//   /compare/changed      v2 changes one field: /body/user/plan ("free" → "Free")
//   /compare/noisy        both carry a per-request timestamp and nonce (noise), nothing else differs
//   /compare/demo         changed + noisy: what `npm start` shows
//   /compare/status       v2 answers 404
//   /compare/header       v2 sends another x-api-version and content-type
//   /compare/big/<bytes>  a JSON array of about <bytes> bytes; v2's has one more element
//   /compare/secret       secrets in set-cookie, an authorization response header, /body/session, /body/auth
//   /compare/slow         v2 answers after 300 ms
//   /compare/late-<x>/<ms> identical answers; v2's <ms> later than v1's (test/integration/latency-shift.test.ts)
//   /compare/late-<x>/<ms>/changed  the same, and v2 changes /body/user/plan (test/integration/where.test.ts)
//   /compare/timed        identical answers at the same time
//   /compare/diluted/orders/<n>  v2 changes /body/total; /compare/diluted/users/<n> identical (issue 21's dilution case)
//   /compare/long-key/<n> v2 adds one key of 200,000 characters, another for each n (issue 17's long-key attack)
import type { IncomingMessage } from "node:http";

export interface CompareAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** answer after this long */
  delayMs?: number;
}

const JSON_TYPE = "application/json";

export function compareAnswer(origin: string, path: string, req: IncomingMessage): CompareAnswer | undefined {
  const v2 = origin !== "v1" && origin !== "v1b";
  const user = { id: 7, name: "Ada Lovelace", plan: "free" };
  const json = (value: unknown, status = 200, headers: Record<string, string> = {}): CompareAnswer => ({
    status,
    headers: { "content-type": JSON_TYPE, ...headers },
    body: JSON.stringify(value, null, 2) + "\n",
  });
  // Sub-millisecond, so two calls in the same millisecond still differ (as a per-request id would).
  const stamp = () => ({ servedAt: performance.timeOrigin + performance.now(), nonce: Math.random().toString(36).slice(2) });
  if (path === "/compare/same") return json({ user });
  if (path === "/compare/changed") return json({ user: { ...user, plan: v2 ? "Free" : "free" } });
  if (path === "/compare/noisy") return json({ user, ...stamp() });
  if (path === "/compare/demo") return json({ user: { ...user, plan: v2 ? "Free" : "free" }, ...stamp() });
  if (path === "/compare/status") return v2 ? json({ error: "not found" }, 404) : json({ user });
  if (path === "/compare/header") return json({ user }, 200, v2 ? { "content-type": `${JSON_TYPE}; charset=utf-8`, "x-api-version": "2" } : { "x-api-version": "1" });
  const big = /^\/compare\/big\/(\d+)$/.exec(path);
  if (big) {
    const items = Array.from({ length: Math.ceil(Number(big[1]) / 40) + (v2 ? 1 : 0) }, (_, i) => ({ id: i, sku: `sku-${String(i).padStart(8, "0")}` }));
    return json(items);
  }
  if (path === "/compare/secret") {
    const secret = `SECRET-${origin}`;
    const session = { token: `tok-${secret}`, user: "ada" };
    const auth = req.headers.authorization ?? "";
    // v2 reshapes both fields, so their whole values (secrets inside) are what differs.
    return json(v2 ? { session: [session], auth: { value: auth } } : { session, auth }, 200, { "set-cookie": `sid=${secret}; HttpOnly`, authorization: `Bearer ${secret}` });
  }
  const longKey = /^\/compare\/long-key\/(\d+)$/.exec(path);
  if (longKey) return json(v2 ? { user, [`k${longKey[1]}-${"x".repeat(200_000)}`]: Number(longKey[1]) } : { user });
  if (path === "/compare/slow") return { ...json({ user }), delayMs: v2 ? 300 : 0 };
  const late = /^\/compare\/late-[a-z]+\/(\d+)(\/changed)?$/.exec(path);
  if (late) return { ...json({ user: { ...user, plan: v2 && late[2] ? "Free" : "free" } }), delayMs: v2 ? Number(late[1]) : 0 };
  if (path === "/compare/timed") return json({ user });
  const diluted = /^\/compare\/diluted\/(orders|users)\/(\d+)$/.exec(path);
  if (diluted) return json(diluted[1] === "orders" ? { id: Number(diluted[2]), total: v2 ? 10.5 : 10 } : { user });
  return undefined;
}
