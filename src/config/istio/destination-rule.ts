// The DestinationRule fields edge-mirror accepts (istio/api networking/v1
// destination_rule.proto): subsets by label, and of trafficPolicy the load balancer
// and TLS origination (at the rule, subset and port level, merged as Istio merges
// them); connectionPool and outlierDetection are accepted with a warning. Every
// other field is refused with a reason: never silently ignored.
import type { Field, KeyRules } from "../field";
import { readClientTls, type OriginTls } from "./client-tls";
import { warnConnectionPool, warnOutlierDetection } from "./connection-policies";
import { PORT_SELECTOR } from "../destination";
import { headerName } from "../header-names";
import { readLabels } from "../labels";
import { NOT_YET } from "../reasons";
import { DEFAULT_NAMESPACE, fullName, readExportTo } from "./namespaces";
import type { LoadBalancer } from "../../routing/table";

/** What one trafficPolicy (or one of its portLevelSettings) sets; absent = not set. */
export interface PolicySettings {
  lb?: LoadBalancer;
  tls?: OriginTls;
}

export interface TrafficPolicySpec extends PolicySettings {
  /** portLevelSettings by service port number */
  ports: Map<number, PolicySettings>;
}

export interface DestinationRuleSpec {
  name: string;
  /** metadata.namespace, `default` when absent */
  namespace: string;
  /** spec.host as written */
  host: string;
  /** the service it is for: a short host completed in the rule's namespace (Istio) */
  fullHost: string;
  /** spec.exportTo; undefined = every namespace */
  exportTo?: string[];
  policy?: TrafficPolicySpec;
  subsets: Map<string, { labels: Record<string, string>; policy?: TrafficPolicySpec; field: Field }>;
  field: Field;
}

export const DESTINATION_RULE: KeyRules = {
  known: ["host", "subsets", "trafficPolicy", "exportTo"],
  refused: { workloadSelector: "selects mesh workloads; the edge has none" },
  fixes: {
    workloadSelector: "remove it only if this DestinationRule is meant for the worker's requests too (removing it applies the rule to every caller); otherwise leave the DestinationRule out of routes.yaml",
  },
};

export const TRAFFIC_POLICY: KeyRules = {
  known: ["loadBalancer", "tls", "connectionPool", "outlierDetection", "portLevelSettings"],
  refused: {
    tunnel: "a Worker cannot tunnel through an egress proxy",
    proxyProtocol: "a Worker cannot send PROXY protocol headers",
  },
  fixes: {
    tunnel: "point the ServiceEntry at an address the worker can reach directly (removing only tunnel sends requests straight to the origin, past the proxy)",
    proxyProtocol: "remove it: the worker tells the origin the client's address in X-Forwarded-For instead",
  },
  ignored: {
    retryBudget: "a retry budget (Istio 1.27) caps retries at a share of the requests in flight to the service; a Worker sees no count of requests in flight, so retries are bounded by each route's attempts only",
  },
};

/** trafficPolicy.portLevelSettings[]: the settings for one service port, replacing the policy's for it. */
export const PORT_TRAFFIC_POLICY: KeyRules = { known: ["port", "loadBalancer", "connectionPool", "outlierDetection", "tls"] };

export const LOAD_BALANCER: KeyRules = {
  known: ["simple", "consistentHash"],
  notYet: { zoneAwareLbSetting: "Istio 1.31", warmupDurationSecs: NOT_YET, warmup: NOT_YET },
  refused: {
    // istio/api networking/v1 destination_rule.proto LocalityLoadBalancerSetting: `from` is
    // the calling proxy's locality (its node's topology.kubernetes.io region/zone), failover
    // follows it; istio.io tasks/traffic-management/locality-load-balancing.
    localityLbSetting:
      "Istio weighs and fails over endpoints by the locality of the calling proxy (its node's region/zone/subzone) against each endpoint's locality; the worker runs in whichever Cloudflare location took the request and has no Istio locality, so neither distribute's from nor failover's order can be evaluated",
  },
  fixes: {
    localityLbSetting:
      "remove it (requests then spread over every endpoint by loadBalancer.simple, as Istio does without it); to keep users near an origin, point the ServiceEntry at a host your load balancer steers by geography (Cloudflare Load Balancing, geo steering)",
  },
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

function readTrafficPolicy(f: Field): TrafficPolicySpec | undefined {
  if (!f.checkMap(TRAFFIC_POLICY)) return undefined;
  const policy: TrafficPolicySpec = { ...readSettings(f), ports: new Map() };
  for (const p of f.get("portLevelSettings").items()) {
    if (!p.checkMap(PORT_TRAFFIC_POLICY)) continue;
    const port = p.get("port");
    if (!port.require("add port: {number: 443}") || !port.checkMap(PORT_SELECTOR)) continue;
    port.get("number").require("add number: 443");
    const number = port.get("number").port();
    if (number === undefined) continue;
    if (policy.ports.has(number)) port.error(`port ${number} already has portLevelSettings`, "merge the two entries");
    else policy.ports.set(number, readSettings(p));
  }
  return policy;
}

/** The settings a trafficPolicy and a portLevelSettings entry share. */
function readSettings(f: Field): PolicySettings {
  const settings: PolicySettings = {};
  const lb = f.get("loadBalancer").present ? readLoadBalancer(f.get("loadBalancer")) : undefined;
  if (lb) settings.lb = lb;
  const tls = f.get("tls").present ? readClientTls(f.get("tls")) : undefined;
  if (tls) settings.tls = tls;
  if (f.get("connectionPool").present) warnConnectionPool(f.get("connectionPool"));
  if (f.get("outlierDetection").present) warnOutlierDetection(f.get("outlierDetection"));
  return settings;
}

/**
 * The settings in force for one port of a subset (or of the whole rule), merged as
 * Istio's MergeSubsetTrafficPolicy does: a portLevelSettings entry replaces its
 * policy's settings for that port (unset fields fall back to defaults, not to the
 * policy's); then each field the subset sets (all of them, when it has an entry
 * for the port) replaces the rule's.
 */
export function settingsFor(rule: DestinationRuleSpec | undefined, subset: string | undefined, port: number): PolicySettings {
  const atPort = (policy: TrafficPolicySpec | undefined) => {
    const level = policy?.ports.get(port);
    return { settings: level ?? policy ?? {}, portLevel: level !== undefined };
  };
  const base = atPort(rule?.policy).settings;
  const own = subset === undefined ? undefined : rule?.subsets.get(subset)?.policy;
  if (!own) return base;
  const { settings, portLevel } = atPort(own);
  const merged: PolicySettings = {};
  const lb = settings.lb !== undefined || portLevel ? settings.lb : base.lb;
  if (lb) merged.lb = lb;
  const tls = settings.tls !== undefined || portLevel ? settings.tls : base.tls;
  if (tls) merged.tls = tls;
  return merged;
}

/** trafficPolicy.loadBalancer: simple ROUND_ROBIN / RANDOM, or consistentHash by header, cookie, query parameter or client IP. */
function readLoadBalancer(lb: Field): LoadBalancer | undefined {
  if (!lb.checkMap(LOAD_BALANCER)) return undefined;
  const simple = lb.get("simple").string();
  const hash = lb.get("consistentHash");
  if (simple !== undefined && hash.present) lb.error("takes simple or consistentHash, not both (Istio)");
  if (simple !== undefined) {
    if (simple === "ROUND_ROBIN" || simple === "RANDOM") return { simple };
    // Istio: "let Istio select" — the default; here that is RANDOM, and it replaces a rule-level choice as any setting does.
    if (simple === "UNSPECIFIED") return { simple: "RANDOM" };
    if (simple === "PASSTHROUGH") {
      lb.get("simple").error("PASSTHROUGH forwards to the address the client connected to, which at the edge is the worker itself", "use ROUND_ROBIN or RANDOM across the ServiceEntry's endpoints");
      return undefined;
    }
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
  // A token, or the worker's Headers.get would throw on every request (header-names.ts).
  if (header !== undefined) {
    const name = headerName(hash.get("httpHeaderName"), header);
    return name === undefined ? undefined : { hash: { header: name } };
  }
  const query = hash.get("httpQueryParameterName").string();
  if (query !== undefined) return { hash: { query } };
  if (hash.get("useSourceIp").boolean()) return { hash: { header: "cf-connecting-ip" } };
  const cookie = hash.get("httpCookie");
  if (!cookie.checkMap(HTTP_COOKIE)) return undefined;
  cookie.get("name").require("name the cookie, e.g. name: session");
  const name = cookie.get("name").string();
  return name === undefined ? undefined : { hash: { cookie: name } };
}

export function readDestinationRule(name: string, spec: Field, namespace = DEFAULT_NAMESPACE): DestinationRuleSpec | undefined {
  if (!spec.checkMap(DESTINATION_RULE)) return undefined;
  const hostField = spec.get("host");
  hostField.require("name the service these subsets belong to, e.g. host: httpbin");
  const host = hostField.string();
  const policy = spec.get("trafficPolicy").present ? readTrafficPolicy(spec.get("trafficPolicy")) : undefined;
  const subsets: DestinationRuleSpec["subsets"] = new Map();
  for (const s of spec.get("subsets").items()) {
    if (!s.checkMap(SUBSET)) continue;
    const nameField = s.get("name");
    nameField.require("name the subset, e.g. name: v1");
    const subsetName = nameField.string();
    if (subsetName === undefined) continue;
    if (subsets.has(subsetName)) nameField.error(`subset "${subsetName}" is defined twice`, "give each subset a unique name");
    const subsetPolicy = s.get("trafficPolicy").present ? readTrafficPolicy(s.get("trafficPolicy")) : undefined;
    subsets.set(subsetName, { labels: readLabels(s.get("labels")), ...(subsetPolicy ? { policy: subsetPolicy } : {}), field: s });
  }
  const exportTo = readExportTo(spec.get("exportTo"));
  if (host === undefined) return undefined;
  return { name, namespace, host, fullHost: fullName(host, namespace), ...(exportTo === undefined ? {} : { exportTo }), ...(policy ? { policy } : {}), subsets, field: spec };
}

/**
 * Istio merges the DestinationRules of one namespace for one host (pilot/pkg/model/
 * destination_rule.go mergeDestinationRule): subsets of unique names are concatenated,
 * the first top-level trafficPolicy and the first explicit exportTo are kept. "First"
 * is creation order (push_context.go sortConfigByCreationTime: time, then name), which a
 * file does not carry: so a second definition of a subset, a second trafficPolicy or a
 * second, different exportTo is refused here (conflictingRule), and what is left merges
 * the same whatever the order.
 */
export function mergeRules(rules: readonly DestinationRuleSpec[]): DestinationRuleSpec {
  const [first, ...rest] = rules;
  if (rest.length === 0) return first!;
  const subsets: DestinationRuleSpec["subsets"] = new Map(first!.subsets);
  for (const r of rest) for (const [name, subset] of r.subsets) if (!subsets.has(name)) subsets.set(name, subset);
  const policy = rules.find((r) => r.policy)?.policy;
  const exportTo = rules.find((r) => r.exportTo && r.exportTo.length > 0)?.exportTo ?? first!.exportTo;
  return { ...first!, name: rules.map((r) => r.name).join(" + "), subsets, ...(policy ? { policy } : {}), ...(exportTo === undefined ? {} : { exportTo }) };
}

/**
 * Reports, on `dr`'s fields, what of it Istio's merge with an earlier rule of the same
 * namespace and host would settle by creation order; true when something was reported.
 */
export function conflictingRule(dr: DestinationRuleSpec, earlier: DestinationRuleSpec): boolean {
  const where = `DestinationRule ${earlier.name} for the same host in namespace ${dr.namespace}`;
  const why = "Istio merges the two and keeps the one created first (destination_rule.go mergeDestinationRule), which a file cannot say";
  let found = false;
  for (const [name, subset] of dr.subsets) {
    if (!earlier.subsets.has(name)) continue;
    subset.field.get("name").error(`subset "${name}" is also defined by ${where}: ${why}`, "define each subset in one of the two rules");
    found = true;
  }
  if (dr.policy && earlier.policy) {
    dr.field.get("trafficPolicy").error(`${where} has a trafficPolicy too: ${why}`, "keep the host's trafficPolicy in one of the two rules");
    found = true;
  }
  // A rule exported beyond its namespace joins the exported index with the earlier one
  // and the merged rule keeps the first's exportTo (no exportTo is the mesh default, "*");
  // a private rule (".") joins only the namespace's own index, where exportTo is moot.
  const exported = (r: DestinationRuleSpec) => (r.exportTo?.length ? r.exportTo : ["*"]);
  const privateOnly = (r: DestinationRuleSpec) => r.exportTo?.length === 1 && (r.exportTo[0] === "." || r.exportTo[0] === r.namespace);
  const a = exported(dr);
  const b = exported(earlier);
  if (!privateOnly(dr) && !privateOnly(earlier) && [...a].sort().join() !== [...b].sort().join()) {
    dr.field.get("exportTo").error(`${where} is exported to [${b.join(", ")}], this one to [${a.join(", ")}]: ${why}`, "give both rules the same exportTo, or merge them into one rule");
    found = true;
  }
  return found;
}
