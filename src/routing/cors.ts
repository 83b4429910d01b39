// corsPolicy decisions, as Envoy's CORS filter makes them: an Origin the policy
// allows gets CORS headers on the answer; a preflight (OPTIONS with
// Access-Control-Request-Method) from it is answered at the edge. Other origins
// pass through untouched. The answers themselves are built in src/proxy/cors.ts.
import { matchString } from "./match";
import type { CorsPolicy } from "./table";
import type { RequestFacts } from "./request-facts";

/** The request's Origin when the policy allows it, else undefined. */
export function allowedOrigin(cors: CorsPolicy, origin: string | null): string | undefined {
  return origin !== null && cors.allowOrigins.some((m) => matchString(m, origin)) ? origin : undefined;
}

export function isPreflight(facts: RequestFacts): boolean {
  return facts.method === "OPTIONS" && facts.headers.has("access-control-request-method");
}
