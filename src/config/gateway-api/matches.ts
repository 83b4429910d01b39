// HTTPRouteMatch (gateway-api apis/v1/httproute_types.go) → a MatchBlock of the
// route table, with the facts Gateway API precedence ranks it by. PathPrefix
// matches whole path elements; header names are case-insensitive, query parameter
// names are not; RegularExpression values must read the same in RE2 and JavaScript.
import type { Field, KeyRules } from "../field";
import { readRegex } from "../string-match";
import type { MatchBlock, NamedMatch, StringMatch } from "../../routing/table";
import type { Precedence } from "./precedence";

export const HTTP_ROUTE_MATCH: KeyRules = { known: ["path", "headers", "queryParams", "method"] };
export const HTTP_PATH_MATCH: KeyRules = { known: ["type", "value"] };
export const HTTP_HEADER_MATCH: KeyRules = { known: ["type", "name", "value"] };
export const HTTP_QUERY_PARAM_MATCH: KeyRules = { known: ["type", "name", "value"] };

export const PATH_MATCH_TYPES = ["Exact", "PathPrefix", "RegularExpression"] as const;
export const VALUE_MATCH_TYPES = ["Exact", "RegularExpression"] as const;
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"] as const;
/** RFC 9110 token: what a header name may be. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export interface RouteMatch {
  block: MatchBlock;
  precedence: Precedence;
  /** the path match, for ReplacePrefixMatch's check */
  pathType: (typeof PATH_MATCH_TYPES)[number];
}

/** A rule without matches: Gateway API's default, a PathPrefix match on "/". */
export const DEFAULT_MATCH: RouteMatch = {
  block: { headers: [], withoutHeaders: [], queryParams: [] },
  precedence: { pathRank: 2, pathLength: 1, method: false, headers: 0, queryParams: 0 },
  pathType: "PathPrefix",
};

const PATH_RANK = { Exact: 3, PathPrefix: 2, RegularExpression: 1 } as const;

export function readRouteMatch(f: Field): RouteMatch | undefined {
  if (!f.checkMap(HTTP_ROUTE_MATCH)) return undefined;
  const block: MatchBlock = { headers: readValueMatches(f.get("headers"), "header"), withoutHeaders: [], queryParams: readValueMatches(f.get("queryParams"), "query") };
  const path = readPath(f.get("path"));
  if (!path) return undefined;
  // PathPrefix "/" matches every path: the block needs no uri condition.
  if (!(path.type === "PathPrefix" && path.value === "/")) block.uri = path.match;
  const methodField = f.get("method");
  const method = methodField.string();
  if (method !== undefined) {
    if ((HTTP_METHODS as readonly string[]).includes(method)) block.method = { exact: method };
    else methodField.error(`"${method}" is not a Gateway API HTTPMethod`, `use one of ${HTTP_METHODS.join(", ")} (upper case)`);
  }
  const precedence: Precedence = {
    pathRank: PATH_RANK[path.type],
    pathLength: path.value.length,
    method: block.method !== undefined,
    headers: block.headers.length,
    queryParams: block.queryParams.length,
  };
  return { block, precedence, pathType: path.type };
}

function readPath(f: Field): { type: (typeof PATH_MATCH_TYPES)[number]; value: string; match: StringMatch } | undefined {
  if (!f.present) return { type: "PathPrefix", value: "/", match: { prefix: "/", wholeSegments: true } };
  if (!f.checkMap(HTTP_PATH_MATCH)) return undefined;
  const typeField = f.get("type");
  const type = typeField.string() ?? "PathPrefix";
  if (!(PATH_MATCH_TYPES as readonly string[]).includes(type)) {
    typeField.error(`unknown path match type "${type}"`, `use ${PATH_MATCH_TYPES.join(", ")}`);
    return undefined;
  }
  const valueField = f.get("value");
  const value = valueField.string() ?? (valueField.present ? undefined : "/");
  if (value === undefined) return undefined;
  if (type === "RegularExpression") {
    // RE2, as the worker will run it (re2.ts): translated to JavaScript, or refused with the reason.
    const regex = readRegex(valueField, value);
    return regex ? { type, value, match: regex } : undefined;
  }
  const problem = pathProblem(value);
  if (problem) {
    valueField.error(problem, "write an absolute path like /api/v1");
    return undefined;
  }
  return type === "Exact" ? { type, value, match: { exact: value } } : { type: "PathPrefix", value, match: { prefix: value, wholeSegments: true } };
}

/** The CEL rules of HTTPPathMatch for Exact and PathPrefix values. */
export function pathProblem(value: string): string | undefined {
  if (!value.startsWith("/")) return `"${value}" must be an absolute path (start with /)`;
  if (value.includes("//")) return `"${value}" must not contain //`;
  if (/%2f/i.test(value)) return `"${value}" must not contain %2F (an encoded /)`;
  if (value.includes("#")) return `"${value}" must not contain #`;
  if (/\/\.\.?(\/|$)/.test(value)) return `"${value}" must not contain /./ or /../ segments`;
  return undefined;
}

/** headers[] / queryParams[]: only the first entry of a name counts (Gateway API); later ones are ignored with a warning. */
function readValueMatches(f: Field, kind: "header" | "query"): NamedMatch[] {
  const seen = new Set<string>();
  return f.items().flatMap((item): NamedMatch[] => {
    if (!(kind === "header" ? item.checkMap(HTTP_HEADER_MATCH) : item.checkMap(HTTP_QUERY_PARAM_MATCH))) return [];
    item.get("name").require(kind === "header" ? "name the header, e.g. name: version" : "name the query parameter, e.g. name: animal");
    item.get("value").require("give the value to match");
    const raw = item.get("name").string();
    const value = item.get("value").string();
    if (raw === undefined || value === undefined) return [];
    if (!HEADER_NAME.test(raw)) {
      item.get("name").error(`"${raw}" is not a valid ${kind === "header" ? "header" : "query parameter"} name`, "use letters, digits and - . _ ~ and the like, no spaces or colons");
      return [];
    }
    // Header names are case-insensitive; query parameter names are exact.
    const name = kind === "header" ? raw.toLowerCase() : raw;
    if (seen.has(name)) {
      item.get("name").warn(`"${raw}" is listed before in this match: only the first entry of a name is considered (Gateway API)`, "remove the repeated entry");
      return [];
    }
    seen.add(name);
    const typeField = item.get("type");
    const type = typeField.string() ?? "Exact";
    if (!(VALUE_MATCH_TYPES as readonly string[]).includes(type)) {
      typeField.error(`unknown match type "${type}"`, `use ${VALUE_MATCH_TYPES.join(" or ")}`);
      return [];
    }
    if (type === "Exact") return [{ name, match: { exact: value } }];
    const regex = readRegex(item.get("value"), value);
    return regex ? [{ name, match: regex }] : [];
  });
}
