// HTTPMatchRequest `headers` / `withoutHeaders` (istio/api virtual_service.proto) as
// Istio validates and translates them (pkg/config/validation/virtualservice.go
// validateHTTPRouteMatchRequest; pilot/pkg/networking/core/route/route.go
// TranslateRouteMatch): any header token (matched case-insensitively, as Envoy does),
// Envoy's pseudo-headers, `{}` for "present"; a null value is an error in `headers`
// and means "present" in `withoutHeaders`, where `{regex: "*"}` is Istio's
// "present" idiom too. Names are checked so the runtime can always read them.
import type { Field } from "../field";
import { isToken } from "../header-names";
import { readStringMatch } from "../string-match";
import type { NamedMatch, PseudoHeader } from "../../routing/table";

const PSEUDO_HEADERS: readonly PseudoHeader[] = [":path", ":method", ":authority", ":scheme", ":status"];
/** istio pkg/jwt ToRoutingClaim: `@request.auth.claims.x` and `@request.auth.claims[x]`. */
const JWT_CLAIM = /^@request\.auth\.claims(\.|\[)/;
const WHOLE_BLOCK = "remove or rewrite the whole match block (removing only this condition would make the route match every request)";

export function readHeaderMatches(f: Field, kind: "headers" | "withoutHeaders"): NamedMatch[] {
  return f.entries().flatMap(([key, value]): NamedMatch[] => {
    const name = matchName(value, key);
    if (name === undefined) return [];
    if (!value.present) {
      if (kind === "withoutHeaders") return [{ name, match: { present: true } }];
      value.error(`header match ${JSON.stringify(key)} cannot be null (Istio)`, "write {} to match any value, or give exact, prefix or regex", value.keyAt);
      return [];
    }
    // `*` is not RE2: Istio turns it into Envoy's present_match (istio/istio#20629).
    if (kind === "withoutHeaders" && value.isMap() && value.get("regex").string() === "*" && !value.get("exact").present && !value.get("prefix").present)
      return [{ name, match: { present: true } }];
    const match = readStringMatch(value, true);
    if (match === undefined) return [];
    if ("prefix" in match && match.prefix === "") {
      value.get("prefix").error("prefix string match should not be empty (Istio; Envoy refuses an empty prefix)", "write the prefix, or {} for \"the header is present\"", value.get("prefix").keyAt);
      return [];
    }
    return [{ name, match }];
  });
}

/** A header token, lowercased; a pseudo-header as it is; JWT claims refused with the reason. */
function matchName(f: Field, key: string): string | undefined {
  if (PSEUDO_HEADERS.includes(key as PseudoHeader)) return key;
  if (JWT_CLAIM.test(key)) {
    f.error(
      `${JSON.stringify(key)} routes on a JWT claim, which Istio reads from a token a RequestAuthentication has validated; nothing at the edge validates JWTs`,
      `match a header your own authentication sets instead, or ${WHOLE_BLOCK}`,
      f.keyAt,
    );
    return undefined;
  }
  if (key === "" || !isToken(key)) {
    f.error(`header name ${JSON.stringify(key)} is not a valid header name (Istio: an RFC 9110 token, or :path, :method, :authority, :scheme)`, "use a name like x-user", f.keyAt);
    return undefined;
  }
  return key.toLowerCase();
}
