// HTTPCORSFilter (gateway-api apis/v1/httproute_types.go) → the table's CorsPolicy,
// the one a VirtualService corsPolicy compiles to, where the two agree: origins with
// a `*` wildcard in the host (greedy to the left) become anchored patterns, maxAge
// defaults to 5 s (the spec's default). A `*` in allowMethods / allowHeaders /
// exposeHeaders is sent as it is, which the spec allows only without credentials.
import type { Field, KeyRules } from "../field";
import type { CorsPolicy, StringMatch } from "../../routing/table";

export const HTTP_CORS_FILTER: KeyRules = { known: ["allowOrigins", "allowCredentials", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge"] };

/** Access-Control-Max-Age when maxAge is absent (Gateway API). */
export const DEFAULT_CORS_MAX_AGE_SECONDS = 5;
export const MAX_CORS_MAX_AGE_SECONDS = 2_147_483_647;
const ORIGIN = /^(\*|https?:\/\/(\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)(:\d{1,5})?)$/;

export function readCorsFilter(f: Field): CorsPolicy | undefined {
  if (!f.checkMap(HTTP_CORS_FILTER)) return undefined;
  const allowCredentials = f.get("allowCredentials").boolean() ?? false;
  const allowOrigins = f.get("allowOrigins").items().flatMap((item) => {
    const origin = item.string();
    if (origin === undefined) return [];
    if (!ORIGIN.test(origin)) {
      item.error(`"${origin}" is not an origin`, "write scheme://host[:port], e.g. https://www.example.com or https://*.example.com, or *");
      return [];
    }
    return [originMatch(origin)];
  });
  const list = (key: "allowMethods" | "allowHeaders" | "exposeHeaders"): string[] => {
    const values = f.get(key).strings();
    if (values.includes("*") && allowCredentials)
      f.get(key).error('"*" with allowCredentials: true needs the request\'s own values echoed, which edge-mirror does not do', "list the values, or set allowCredentials: false");
    return values;
  };
  const cors: CorsPolicy = {
    allowOrigins,
    allowMethods: list("allowMethods"),
    allowHeaders: list("allowHeaders"),
    exposeHeaders: list("exposeHeaders"),
    allowCredentials,
    maxAgeSeconds: DEFAULT_CORS_MAX_AGE_SECONDS,
  };
  const maxAge = f.get("maxAge");
  if (maxAge.present) {
    const seconds = maxAge.wholeNumber({ max: MAX_CORS_MAX_AGE_SECONDS });
    if (seconds !== undefined) cors.maxAgeSeconds = seconds;
  }
  return cors;
}

/** `*` matches any origin; `https://*.bar.com` any number of labels before `.bar.com`. */
function originMatch(origin: string): StringMatch {
  if (origin === "*") return { regex: ".*" };
  if (!origin.includes("*")) return { exact: origin };
  return { regex: origin.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") };
}
