// Istio's StringMatch (istio/api virtual_service.proto: exactly one of exact, prefix,
// regex) and its RE2 regexes, shared by every reader that takes one: match blocks
// (match-spec.ts), header matches (header-matches.ts), CORS origins and rewrites
// (route-policies.ts, regex-rewrite.ts) and Gateway API's matches. Regexes are RE2 in
// Istio and matched in full by Envoy: each is translated to the JavaScript the worker
// runs (re2.ts), or refused with the reason.
import type { Field, KeyRules } from "./field";
import { MAX_REGEX_LENGTH, translateRe2, type Re2Options } from "./re2";
import type { RegexMatch, StringMatch, ValueMatch } from "../routing/table";

/** Exactly one of the known keys (headers, queryParams, uri, scheme, method, authority alike). */
export const STRING_MATCH: KeyRules = { known: ["exact", "prefix", "regex"] };

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
