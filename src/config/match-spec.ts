// HTTPMatchRequest blocks (istio/api virtual_service.proto) → MatchBlock.
// Regexes are RE2 in Istio and matched in full by Envoy; only patterns that
// JavaScript evaluates the same way are accepted.
import type { Field, KeyRules } from "./field";
import type { MatchBlock, NamedMatch, StringMatch, ValueMatch } from "../routing/table";

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
  const uri = readStringMatch(f.get("uri"), false);
  const block: MatchBlock = {
    headers: readNamed(f.get("headers"), "header"),
    withoutHeaders: readNamed(f.get("withoutHeaders"), "header"),
    queryParams: readNamed(f.get("queryParams"), "query"),
  };
  const name = f.get("name").string();
  if (name !== undefined) block.name = name;
  // Istio: ignoreUriCase applies to exact and prefix uri matches only.
  if (uri) block.uri = ignoreCase && !("regex" in uri) ? { ...uri, ignoreCase: true } : uri;
  const method = readStringMatch(f.get("method"), false);
  if (method) block.method = method;
  const scheme = readStringMatch(f.get("scheme"), false);
  if (scheme) block.scheme = scheme;
  const port = f.get("port").port();
  if (port !== undefined) block.port = port;
  const authority = readStringMatch(f.get("authority"), false);
  if (authority) block.authority = authority;
  return block;
}

function readNamed(f: Field, kind: "header" | "query"): NamedMatch[] {
  return f.entries().flatMap(([name, value]) => {
    if (kind === "header" && name !== name.toLowerCase()) {
      value.error(`header name "${name}" must be lowercase (Istio)`, `write it as ${name.toLowerCase()}`, value.keyAt);
      return [];
    }
    const match = readStringMatch(value, true, kind === "query");
    return match ? [{ name, match }] : [];
  });
}

/** StringMatch: exactly one of exact / prefix / regex; `{}` means "present" where allowed. */
export function readStringMatch(f: Field, allowPresent: false): StringMatch | undefined;
export function readStringMatch(f: Field, allowPresent: boolean, isQuery?: boolean): ValueMatch | undefined;
export function readStringMatch(f: Field, allowPresent: boolean, isQuery = false): ValueMatch | undefined {
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
  return checkRegex(field, value) ? { regex: value } : undefined;
}

/** RE2 has no lookaround or backreferences and spells named groups (?P<…>). */
export function checkRegex(f: Field, source: string): boolean {
  const unsupported: [RegExp, string][] = [
    [/\(\?<?[=!]/, "lookahead/lookbehind is not RE2 syntax, so Istio would reject it"],
    [/\\[1-9]|\\k</, "backreferences are not RE2 syntax, so Istio would reject it"],
    [/\(\?P</, "named groups (?P<name>…) are RE2 syntax that JavaScript reads differently"],
    [/\(\?[imsU]+\)|\(\?[imsU]*-[imsU]+\)/, "inline flags are RE2 syntax that JavaScript does not accept"],
  ];
  for (const [pattern, reason] of unsupported) {
    if (pattern.test(source)) {
      f.error(`regex ${JSON.stringify(source)}: ${reason}`, "rewrite it without that construct (plain groups, classes and quantifiers work)");
      return false;
    }
  }
  try {
    new RegExp(source);
    return true;
  } catch (e) {
    f.error(`regex ${JSON.stringify(source)} does not compile: ${(e as Error).message}`, "fix the pattern");
    return false;
  }
}
