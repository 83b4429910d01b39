// HTTPMatchRequest blocks (istio/api virtual_service.proto) → MatchBlock: uri, scheme,
// method and authority are StringMatches (string-match.ts), headers and withoutHeaders
// header matches (header-matches.ts), queryParams StringMatches by name.
import type { Field, KeyRules } from "../field";
import { readHeaderMatches } from "./header-matches";
import { readStringMatch } from "../string-match";
import type { MatchBlock, NamedMatch } from "../../routing/table";

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
