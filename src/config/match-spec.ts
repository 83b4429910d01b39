// HTTPMatchRequest blocks (istio/api virtual_service.proto) → MatchBlock.
// Regexes are RE2 in Istio and matched in full by Envoy: each is translated to the
// JavaScript the worker runs (re2.ts), or refused with the reason.
import type { Field, KeyRules } from "./field";
import { readHeaderMatches } from "./header-matches";
import { MAX_REGEX_LENGTH, translateRe2, type Re2Options } from "./re2";
import type { MatchBlock, NamedMatch, RegexMatch, StringMatch, ValueMatch } from "../routing/table";

const MESH_ONLY = "selects by the calling mesh workload; requests reach the edge from the internet";
/** Dropping only the source condition would widen the block to every caller: a fault meant for one workload would hit everyone. */
const REWRITE_BLOCK = "remove or rewrite the whole match block (e.g. match the caller by a header it sends); removing only this condition would make the block match every caller";

export const HTTP_MATCH_REQUEST: KeyRules = {
  // gateways: read with the VirtualService's (virtual-service.ts), bound at build time (gateway-binding.ts).
  known: ["name", "uri", "scheme", "method", "authority", "port", "headers", "queryParams", "withoutHeaders", "ignoreUriCase", "gateways"],
  refused: { sourceLabels: MESH_ONLY, sourceNamespace: MESH_ONLY },
  fixes: { sourceLabels: REWRITE_BLOCK, sourceNamespace: REWRITE_BLOCK },
  ignored: { statPrefix: "Envoy stats do not exist in a Worker; requests are logged instead" },
};

/** Exactly one of the known keys (headers, queryParams, uri, scheme, method, authority alike). */
export const STRING_MATCH: KeyRules = { known: ["exact", "prefix", "regex"] };

export function readMatchBlock(f: Field): MatchBlock | undefined {
  if (!f.checkMap(HTTP_MATCH_REQUEST)) return undefined;
  const ignoreCase = f.get("ignoreUriCase").boolean() ?? false;
  // A path, a method and a scheme never hold \r, U+2028 or U+2029 (see re2.ts plainInput).
  const plain = { plainInput: true };
  const uri = readStringMatch(f.get("uri"), false, false, plain);
  const block: MatchBlock = {
    headers: readHeaderMatches(f.get("headers"), "headers"),
    withoutHeaders: readHeaderMatches(f.get("withoutHeaders"), "withoutHeaders"),
    queryParams: readNamed(f.get("queryParams"), "query"),
  };
  const name = f.get("name").string();
  if (name !== undefined) block.name = name;
  // Istio: ignoreUriCase applies to exact and prefix uri matches only.
  if (uri) block.uri = ignoreCase && !("regex" in uri) ? { ...uri, ignoreCase: true } : uri;
  const method = readStringMatch(f.get("method"), false, false, plain);
  if (method) block.method = method;
  const scheme = readStringMatch(f.get("scheme"), false, false, plain);
  if (scheme) block.scheme = scheme;
  const port = f.get("port").port();
  if (port !== undefined) block.port = port;
  const authority = readStringMatch(f.get("authority"), false);
  if (authority) block.authority = authority;
  return block;
}

function readNamed(f: Field, kind: "query"): NamedMatch[] {
  return f.entries().flatMap(([name, value]) => {
    const match = readStringMatch(value, true, kind === "query");
    return match ? [{ name, match }] : [];
  });
}

/** StringMatch: exactly one of exact / prefix / regex; `{}` means "present" where allowed. */
export function readStringMatch(f: Field, allowPresent: false, isQuery?: boolean, options?: Re2Options): StringMatch | undefined;
export function readStringMatch(f: Field, allowPresent: boolean, isQuery?: boolean, options?: Re2Options): ValueMatch | undefined;
export function readStringMatch(f: Field, allowPresent: boolean, isQuery = false, options: Re2Options = {}): ValueMatch | undefined {
  if (!f.checkMap(STRING_MATCH)) return undefined;
  const keys = STRING_MATCH.known.filter((k) => f.get(k).node !== undefined);
  if (keys.length === 0) {
    if (allowPresent) return { present: true };
    f.error("needs one of exact, prefix or regex", "e.g. {prefix: /api}");
    return undefined;
  }
  if (keys.length > 1) {
    f.error(`has ${keys.join(" and ")}; a StringMatch takes exactly one`, "keep one of exact, prefix, regex");
    return undefined;
  }
  const kind = keys[0]!;
  const field = f.get(kind);
  const value = field.string() ?? (field.present ? undefined : "");
  if (value === undefined) return undefined;
  if (kind === "exact") return { exact: value };
  if (kind === "prefix") {
    // queryParams take prefix too, since Istio 1.18 (istio/istio#43736); an empty one matches every value (Istio refuses it).
    if (isQuery && value === "") {
      field.error("an empty prefix matches every value (Istio refuses it)", "write the prefix, or use {} for \"the parameter is present\"", field.keyAt);
      return undefined;
    }
    return { prefix: value };
  }
  return readRegex(field, value, options);
}

/**
 * An RE2 regex as the worker will run it: RE2's syntax checked by re2js, then
 * translated to JavaScript or refused with the reason (re2.ts). Reports and returns
 * undefined when it cannot be used.
 */
export function readRegex(f: Field, source: string, options: Re2Options = {}): RegexMatch | undefined {
  if (source === "") {
    f.error("regex string match should not be empty (Istio)", "write the pattern, e.g. regex: /v[0-9]+/.*");
    return undefined;
  }
  if (source.length > MAX_REGEX_LENGTH) {
    f.error(`regex is too large: Istio allows at most ${MAX_REGEX_LENGTH} characters, found ${source.length}`, "shorten the pattern, or split the route");
    return undefined;
  }
  const t = translateRe2(source, options);
  if (!t.ok) {
    if (t.syntax) f.error(`regex ${JSON.stringify(source)} does not compile: ${t.reason}`, "fix the pattern (Istio and Envoy use RE2 syntax: https://github.com/google/re2/wiki/Syntax)");
    else f.error(`regex ${JSON.stringify(source)}: ${t.reason}`, "rewrite it without that construct (plain groups, classes and quantifiers work)");
    return undefined;
  }
  const match: RegexMatch = { regex: source };
  if (t.js !== source) match.js = t.js;
  if (t.ignoreCase) match.ignoreCase = true;
  return match;
}

/** Whether an RE2 regex can be used here (readRegex, for callers that keep the source only). */
export function checkRegex(f: Field, source: string): boolean {
  return readRegex(f, source) !== undefined;
}
