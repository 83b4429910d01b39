// HTTPRouteFilter lists (gateway-api apis/v1/httproute_types.go), of a rule or of one
// backendRef, read into what the route table already has: request / response header
// operations, mirrors, a redirect, a rewrite, CORS. Each type may appear once
// (RequestMirror as often as wanted); URLRewrite and RequestRedirect exclude each
// other; ExtensionRef and ExternalAuth are refused with the reason.
import { PERCENT_RANGE, type Field, type KeyRules } from "../field";
import type { CorsPolicy, HeaderOps, Redirect, Rewrite } from "../../routing/table";
import { fractionPerMillion, ONE_MILLION, perMillion as percentPerMillion } from "../../routing/per-million";
import { readBackendRef, type BackendRefSpec } from "./backend-ref";
import { readCorsFilter } from "./cors-filter";
import { readHeaderFilter } from "./header-filter";

export const HTTP_ROUTE_FILTER: KeyRules = {
  known: ["type", "requestHeaderModifier", "responseHeaderModifier", "requestMirror", "requestRedirect", "urlRewrite", "cors"],
  refused: {
    extensionRef: "it names another gateway's own filter, which edge-mirror cannot run",
    externalAuth: "an external authorization call per request is not implemented at the edge",
  },
};
export const HTTP_REQUEST_MIRROR: KeyRules = { known: ["backendRef", "percent", "fraction"] };
export const FRACTION: KeyRules = { known: ["numerator", "denominator"] };
export const HTTP_REQUEST_REDIRECT: KeyRules = { known: ["scheme", "hostname", "path", "port", "statusCode"] };
export const HTTP_URL_REWRITE: KeyRules = { known: ["hostname", "path"] };
export const HTTP_PATH_MODIFIER: KeyRules = { known: ["type", "replaceFullPath", "replacePrefixMatch"] };

/** Filter type → the key that carries its configuration. */
const FILTER_KEYS = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestMirror: "requestMirror",
  RequestRedirect: "requestRedirect",
  URLRewrite: "urlRewrite",
  CORS: "cors",
  ExtensionRef: "extensionRef",
  ExternalAuth: "externalAuth",
} as const;
type FilterType = keyof typeof FILTER_KEYS;

/** Gateway API's default redirect status. */
export const DEFAULT_REDIRECT_STATUS = 302;
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface MirrorFilterSpec {
  backendRef: BackendRefSpec;
  perMillion: number;
  field: Field;
}

export interface FiltersSpec {
  request?: HeaderOps;
  response?: HeaderOps;
  mirrors: MirrorFilterSpec[];
  redirect?: Redirect;
  rewrite?: Rewrite;
  cors?: CorsPolicy;
  /** the path modifier's type, for the rule's check that ReplacePrefixMatch follows PathPrefix matches */
  prefixModifier?: Field;
  /** the redirect / mirror filters, for messages about the rule */
  redirectField?: Field;
  mirrorField?: Field;
}

/** What a backendRef's own filters may do here: header changes for that backend only. */
const BACKEND_FILTERS: readonly FilterType[] = ["RequestHeaderModifier", "ResponseHeaderModifier"];

export function readFilters(list: Field, level: "rule" | "backend"): FiltersSpec {
  const out: FiltersSpec = { mirrors: [] };
  const seen = new Set<string>();
  for (const f of list.items()) {
    if (!f.checkMap(HTTP_ROUTE_FILTER)) continue;
    const typeField = f.get("type");
    typeField.require(`say which filter, e.g. type: RequestHeaderModifier (${Object.keys(FILTER_KEYS).join(", ")})`);
    const type = typeField.string();
    if (type === undefined) continue;
    if (!(type in FILTER_KEYS)) {
      typeField.error(`unknown filter type "${type}"`, `use one of ${Object.keys(FILTER_KEYS).join(", ")}`);
      continue;
    }
    const key = FILTER_KEYS[type as FilterType];
    // checkMap has refused extensionRef / externalAuth already; say it for a bare type too.
    if (type === "ExtensionRef" || type === "ExternalAuth") {
      if (!f.get(key).present) typeField.error(`cannot apply at the edge: ${HTTP_ROUTE_FILTER.refused![key]}`, "remove the filter");
      continue;
    }
    for (const other of Object.values(FILTER_KEYS)) {
      if (other !== key && f.get(other).present && !HTTP_ROUTE_FILTER.refused![other]) f.get(other).error(`must not be set on a ${type} filter`, `move it to a filter of its own type, or remove it`, f.get(other).keyAt);
    }
    const config = f.get(key);
    if (!config.require(`add ${key}: with the filter's settings`)) continue;
    if (level === "backend" && !BACKEND_FILTERS.includes(type as FilterType)) {
      typeField.error(`a ${type} filter on one backendRef is not supported yet (edge-mirror applies ${BACKEND_FILTERS.join(" and ")} per backend)`, "move the filter to the rule's filters");
      continue;
    }
    if (type !== "RequestMirror" && seen.has(type)) {
      typeField.error(`${type} appears twice; a rule may have one of each filter type but RequestMirror`, "merge them into one filter");
      continue;
    }
    seen.add(type);
    if (type === "RequestHeaderModifier") setIfDefined(out, "request", readHeaderFilter(config, "request"));
    else if (type === "ResponseHeaderModifier") setIfDefined(out, "response", readHeaderFilter(config, "response"));
    else if (type === "CORS") setIfDefined(out, "cors", readCorsFilter(config));
    else if (type === "RequestMirror") {
      const mirror = readMirror(config);
      if (mirror) out.mirrors.push(mirror);
      out.mirrorField ??= f;
    } else if (type === "RequestRedirect") {
      setIfDefined(out, "redirect", readRedirect(config, out));
      out.redirectField = f;
    } else setIfDefined(out, "rewrite", readRewrite(config, out));
  }
  if (seen.has("RequestRedirect") && seen.has("URLRewrite"))
    list.error("has both RequestRedirect and URLRewrite, which Gateway API does not allow on one rule", "keep one of them");
  return out;
}

function setIfDefined<K extends keyof FiltersSpec>(out: FiltersSpec, key: K, value: FiltersSpec[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}

/** RequestMirror: `percent` or `fraction`, not both; neither = every request (Gateway API). */
function readMirror(f: Field): MirrorFilterSpec | undefined {
  if (!f.checkMap(HTTP_REQUEST_MIRROR)) return undefined;
  f.get("backendRef").require("add backendRef: {name: <Service>, port: <port>}");
  const backendRef = f.get("backendRef").present ? readBackendRef(f.get("backendRef"), "mirror") : undefined;
  const percentField = f.get("percent");
  const fraction = f.get("fraction");
  if (percentField.present && fraction.present) f.error("takes percent or fraction, not both (Gateway API)", "keep one of them");
  let perMillion: number | undefined = ONE_MILLION;
  if (percentField.present) {
    const percent = percentField.wholeNumber({ max: PERCENT_RANGE.maximum });
    perMillion = percent === undefined ? undefined : percentPerMillion(percent);
  } else if (fraction.checkMap(FRACTION)) {
    fraction.get("numerator").require("add numerator: 1");
    const numerator = fraction.get("numerator").wholeNumber();
    const denominatorField = fraction.get("denominator");
    const denominator = denominatorField.present ? denominatorField.wholeNumber() : 100;
    if (denominator === 0) denominatorField.error("must be at least 1");
    perMillion = numerator === undefined || !denominator ? undefined : fractionPerMillion(numerator, denominator);
    if (numerator !== undefined && denominator && numerator > denominator)
      fraction.get("numerator").error(`must not exceed the denominator (${numerator} > ${denominator})`, "a fraction of requests is at most 1");
  }
  return backendRef && perMillion !== undefined ? { backendRef, perMillion: Math.min(perMillion, ONE_MILLION), field: f } : undefined;
}

function readRedirect(f: Field, out: FiltersSpec): Redirect | undefined {
  if (!f.checkMap(HTTP_REQUEST_REDIRECT)) return undefined;
  // Gateway API: without `port`, a scheme change goes to the scheme's well-known port.
  const redirect: Redirect = { status: DEFAULT_REDIRECT_STATUS, schemeDefaultPort: true };
  const scheme = f.get("scheme").string();
  if (scheme !== undefined) {
    if (scheme === "http" || scheme === "https") redirect.scheme = scheme;
    else f.get("scheme").error(`must be http or https, found "${scheme}"`);
  }
  const hostname = readPreciseHostname(f.get("hostname"));
  if (hostname !== undefined) redirect.host = hostname;
  const port = f.get("port").port();
  if (port !== undefined) redirect.port = port;
  const status = f.get("statusCode").redirectStatus();
  if (status !== undefined) redirect.status = status;
  const path = readPathModifier(f.get("path"), out);
  if (path?.full !== undefined) redirect.uri = path.full;
  if (path?.prefix !== undefined) redirect.replacePrefixMatch = path.prefix;
  return redirect;
}

function readRewrite(f: Field, out: FiltersSpec): Rewrite | undefined {
  if (!f.checkMap(HTTP_URL_REWRITE)) return undefined;
  const rewrite: Rewrite = {};
  // A Worker cannot set Host: the new hostname travels as X-Forwarded-Host, as rewrite.authority does.
  const hostname = readPreciseHostname(f.get("hostname"));
  if (hostname !== undefined) rewrite.authority = hostname;
  const path = readPathModifier(f.get("path"), out);
  if (path?.full !== undefined) rewrite.replaceFullPath = path.full;
  if (path?.prefix !== undefined) rewrite.replacePrefixMatch = path.prefix;
  return rewrite;
}

function readPreciseHostname(f: Field): string | undefined {
  const hostname = f.string();
  if (hostname === undefined) return undefined;
  if (PRECISE_HOSTNAME.test(hostname)) return hostname;
  f.error(`"${hostname}" is not a precise hostname`, "write a lower-case DNS name without wildcard, port or scheme, e.g. example.org");
  return undefined;
}

function readPathModifier(f: Field, out: FiltersSpec): { full?: string; prefix?: string } | undefined {
  if (!f.checkMap(HTTP_PATH_MODIFIER)) return undefined;
  f.get("type").require("add type: ReplaceFullPath or ReplacePrefixMatch");
  const type = f.get("type").string();
  const full = f.get("replaceFullPath");
  const prefix = f.get("replacePrefixMatch");
  const value = (field: Field): string | undefined => {
    const text = field.string() ?? (field.present ? undefined : "");
    if (text && !text.startsWith("/")) {
      field.error(`"${text}" must be an absolute path (start with /)`);
      return undefined;
    }
    return text;
  };
  if (type === "ReplaceFullPath") {
    if (prefix.present) prefix.error("must not be set when type is ReplaceFullPath", "remove it", prefix.keyAt);
    full.require("add replaceFullPath: /new/path");
    const path = full.present ? value(full) : undefined;
    return path === undefined ? undefined : { full: path || "/" };
  }
  if (type === "ReplacePrefixMatch") {
    if (full.present) full.error("must not be set when type is ReplacePrefixMatch", "remove it", full.keyAt);
    out.prefixModifier = f;
    prefix.require('add replacePrefixMatch: /new-prefix ("" or / strips the prefix)');
    const path = prefix.present ? value(prefix) : undefined;
    return path === undefined ? undefined : { prefix: path };
  }
  if (type !== undefined) f.get("type").error(`unknown path modifier type "${type}"`, "use ReplaceFullPath or ReplacePrefixMatch");
  return undefined;
}
