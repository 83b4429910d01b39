// The DestinationRule fields edge-mirror accepts (istio/api networking/v1
// destination_rule.proto): subsets by label and the load balancer of
// trafficPolicy. Every other field is refused with a reason: never silently ignored.
import type { Field, KeyRules } from "./field";
import { readLabels } from "./labels";
import { EXPORT_TO, NOT_YET } from "./reasons";
import type { LoadBalancer } from "../routing/table";

export interface DestinationRuleSpec {
  name: string;
  host: string;
  lb?: LoadBalancer;
  subsets: Map<string, { labels: Record<string, string>; lb?: LoadBalancer; field: Field }>;
  field: Field;
}

export const DESTINATION_RULE: KeyRules = {
  known: ["host", "subsets", "trafficPolicy"],
  refused: { workloadSelector: "selects mesh workloads; the edge has none" },
  ignored: EXPORT_TO,
};

export const TRAFFIC_POLICY: KeyRules = {
  known: ["loadBalancer"],
  refused: {
    connectionPool: "Cloudflare manages the worker's connections to origins; there is no pool to size",
    outlierDetection: "a Worker keeps no state across requests to eject unhealthy origins with",
    tls: "origin TLS is negotiated and verified by Cloudflare (the URL scheme comes from the ServiceEntry port)",
    tunnel: "a Worker cannot tunnel through an egress proxy",
    proxyProtocol: "a Worker cannot send PROXY protocol headers",
  },
  notYet: { portLevelSettings: NOT_YET },
};

export const LOAD_BALANCER: KeyRules = {
  known: ["simple", "consistentHash"],
  notYet: { localityLbSetting: NOT_YET, warmupDurationSecs: NOT_YET, warmup: NOT_YET },
};

/** Exactly one of the known keys is the hash key. */
export const CONSISTENT_HASH: KeyRules = {
  known: ["httpHeaderName", "httpCookie", "httpQueryParameterName", "useSourceIp"],
  notYet: { ringHash: NOT_YET, maglev: NOT_YET, minimumRingSize: NOT_YET },
};

export const HTTP_COOKIE: KeyRules = {
  known: ["name"],
  notYet: { ttl: "planned (Envoy would set the cookie)", path: "planned", attributes: "planned" },
};

export const SUBSET: KeyRules = { known: ["name", "labels", "trafficPolicy"] };

/** trafficPolicy.loadBalancer: simple ROUND_ROBIN / RANDOM, or consistentHash by header, cookie, query parameter or client IP. */
function readTrafficPolicy(f: Field): LoadBalancer | undefined {
  if (!f.checkMap(TRAFFIC_POLICY)) return undefined;
  const lb = f.get("loadBalancer");
  if (!lb.checkMap(LOAD_BALANCER)) return undefined;
  const simple = lb.get("simple").string();
  const hash = lb.get("consistentHash");
  if (simple !== undefined && hash.present) lb.error("takes simple or consistentHash, not both (Istio)");
  if (simple !== undefined) {
    if (simple === "ROUND_ROBIN" || simple === "RANDOM") return { simple };
    if (simple === "LEAST_REQUEST" || simple === "LEAST_CONN") {
      lb.get("simple").warn(`${simple} needs a view of outstanding requests a Worker does not have; RANDOM is used (Envoy's LEAST_REQUEST picks between two random origins)`);
      return { simple: "RANDOM" };
    }
    lb.get("simple").error(`unsupported simple load balancer "${simple}"`, "use ROUND_ROBIN, RANDOM or LEAST_REQUEST");
    return undefined;
  }
  if (!hash.checkMap(CONSISTENT_HASH)) return undefined;
  const keys = CONSISTENT_HASH.known.filter((k) => hash.get(k).present);
  if (keys.length !== 1) {
    hash.error(`needs exactly one of ${CONSISTENT_HASH.known.join(", ")}`);
    return undefined;
  }
  const header = hash.get("httpHeaderName").string();
  if (header !== undefined) return { hash: { header: header.toLowerCase() } };
  const query = hash.get("httpQueryParameterName").string();
  if (query !== undefined) return { hash: { query } };
  if (hash.get("useSourceIp").boolean()) return { hash: { header: "cf-connecting-ip" } };
  const cookie = hash.get("httpCookie");
  if (!cookie.checkMap(HTTP_COOKIE)) return undefined;
  cookie.get("name").require("name the cookie, e.g. name: session");
  const name = cookie.get("name").string();
  return name === undefined ? undefined : { hash: { cookie: name } };
}

export function readDestinationRule(name: string, spec: Field): DestinationRuleSpec | undefined {
  if (!spec.checkMap(DESTINATION_RULE)) return undefined;
  const hostField = spec.get("host");
  hostField.require("name the service these subsets belong to, e.g. host: httpbin");
  const host = hostField.string();
  const lb = spec.get("trafficPolicy").present ? readTrafficPolicy(spec.get("trafficPolicy")) : undefined;
  const subsets = new Map<string, { labels: Record<string, string>; lb?: LoadBalancer; field: Field }>();
  for (const s of spec.get("subsets").items()) {
    if (!s.checkMap(SUBSET)) continue;
    const nameField = s.get("name");
    nameField.require("name the subset, e.g. name: v1");
    const subsetName = nameField.string();
    if (subsetName === undefined) continue;
    if (subsets.has(subsetName)) nameField.error(`subset "${subsetName}" is defined twice`, "give each subset a unique name");
    const subsetLb = s.get("trafficPolicy").present ? readTrafficPolicy(s.get("trafficPolicy")) : undefined;
    subsets.set(subsetName, { labels: readLabels(s.get("labels")), lb: subsetLb, field: s });
  }
  return host === undefined ? undefined : { name, host, lb, subsets, field: spec };
}
