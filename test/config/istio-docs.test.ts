// The YAML of istio.io's traffic-management tasks (istio/istio.io
// content/en/docs/tasks/traffic-management/*/snips.sh, copied verbatim into
// test/fixtures/istio-docs/, one file per task, each `kubectl apply` headed by its
// snip's name), brought as a new user brings it. Each step is applied as kubectl
// applies it: a document replaces the one of its kind, namespace and name. What a
// cluster knows and the edge does not (where the pods run) is added as a ServiceEntry,
// or for the Gateway API as a Service and WorkloadEntries, as in istio-samples.test.ts.
// Every set is asserted to (a) build and route as Istio would (explainJson), (b) be
// refused with its true reason at the field, or (c) fail closed. docs/istio-support.md
// has the table.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import type { ConfigProblem } from "../../src/config/errors";
import type { RouteTable } from "../../src/routing/table";
import { explainJson } from "../../src/tools/explain-json";

const DOCS = "test/fixtures/istio-docs";
const SAMPLES = "test/fixtures/istio-samples/bookinfo/networking";

/** One task file → each `kubectl apply` (its snip's name, or a reference page's example) → the documents it applies, verbatim. */
function snips(file: string): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const doc of readFileSync(`${DOCS}/${file}`, "utf8").split(/^---\n/m)) {
    const name = /^# (?:\S+\/snips\.sh )?((?:snip|example)_\w+)/.exec(doc)?.[1];
    if (name) steps.set(name, (current = []));
    if (!current) throw new Error(`${file}: a document before the first snip comment`);
    current.push(doc);
  }
  return steps;
}

/** A bookinfo sample file (as the tasks apply them) → its documents. */
const sample = (file: string) => readFileSync(`${SAMPLES}/${file}`, "utf8").split(/^---\s*$/m).filter((d) => /^kind:/m.test(d)).map((d) => `${d.replace(/^\n/, "")}\n`);

const identity = (doc: string) => {
  const kind = /^kind: (\S+)/m.exec(doc)?.[1];
  const name = /^ {2}name: (\S+)/m.exec(doc)?.[1] ?? /^metadata: \{name: ([^,}]+)/m.exec(doc)?.[1];
  const namespace = /^ {2}namespace: (\S+)/m.exec(doc)?.[1] ?? "default";
  return `${kind}/${namespace}/${name}`;
};

/** What the cluster holds after these applies, in order: a document replaces the one of its kind, namespace and name. */
function applied(...steps: string[][]): string {
  const state = new Map<string, string>();
  for (const doc of steps.flat()) {
    state.delete(identity(doc));
    state.set(identity(doc), doc);
  }
  return [...state.values()].join("---\n");
}

function build(text: string) {
  const result = compileRoutes(text, "task.yaml");
  const lines = (severity: ConfigProblem["severity"]) =>
    result.problems.filter((p) => p.severity === severity).map((p) => [p.resource, p.path, p.message].filter(Boolean).join(": "));
  return { table: result.table, errors: lines("error"), warnings: lines("warning"), problems: result.problems };
}

function built(text: string): RouteTable {
  const { table, errors } = build(text);
  expect(errors).toEqual([]);
  return table!;
}

/** Where the worker sends `GET url`, or how it answers. */
function route(table: RouteTable, url: string, headers: [string, string][] = [], random = 0) {
  const plan = explainJson(table, "GET", url, headers, { random });
  if (plan.action !== "forward") return { answer: plan.status, reason: plan.reason };
  return {
    to: plan.destination,
    origin: plan.origin,
    ...(plan.timeoutMs !== null ? { timeoutMs: plan.timeoutMs } : {}),
    ...(plan.faultDelayMs !== undefined ? { delayMs: plan.faultDelayMs } : {}),
    ...(plan.mirrors?.length ? { mirrors: plan.mirrors.map((m) => m.destination) } : {}),
  };
}

/** Where each version runs: what a user adds for the edge (the cluster's registry knows it in Istio). */
function serviceEntry(host: string, port: number, versions: Record<string, number>, namespace?: string): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host}${namespace ? `, namespace: ${namespace}` : ""}}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  endpoints:
${Object.entries(versions).map(([version, p]) => `  - {address: 127.0.0.1, ports: {http: ${p}}, labels: {version: ${version}}}`).join("\n")}
`;
}

/** For the Gateway API: a Service as samples/*.yaml define it, and a WorkloadEntry per version saying where it runs. */
function service(name: string, port: number, selector: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  ports: [{port: ${port}, name: http}]
  selector: ${selector}
`;
}
function workloadEntry(name: string, port: number, labels: string): string {
  return `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${name}}
spec:
  address: 127.0.0.1
  ports: {http: ${port}}
  labels: ${labels}
`;
}

const BOOKINFO = [
  serviceEntry("productpage", 9080, { v1: 19080 }),
  serviceEntry("reviews", 9080, { v1: 19091, v2: 19092, v3: 19093 }),
  serviceEntry("ratings", 9080, { v1: 19101 }),
  serviceEntry("details", 9080, { v1: 19111 }),
];
const HTTPBIN = serviceEntry("httpbin", 8000, { v1: 18001, v2: 18002 });
const HELLOWORLD = serviceEntry("helloworld", 5000, { v1: 15001 });
/** samples/httpbin/httpbin.yaml's Service (port 8000) and samples/helloworld/helloworld.yaml's (5000), with where they run. */
const HTTPBIN_K8S = [service("httpbin", 8000, "{app: httpbin}"), workloadEntry("httpbin", 18001, "{app: httpbin}")];
const HELLOWORLD_K8S = [service("helloworld", 5000, "{app: helloworld}"), workloadEntry("helloworld", 15001, "{app: helloworld}")];
const JASON: [string, string][] = [["end-user", "jason"]];

describe("request-routing (bookinfo samples; the Gateway API's GAMMA HTTPRoutes)", () => {
  const s = snips("request-routing.yaml");
  const BOOKINFO_K8S = [
    service("reviews", 9080, "{app: reviews}"),
    service("reviews-v1", 9080, "{app: reviews, version: v1}"),
    service("reviews-v2", 9080, "{app: reviews, version: v2}"),
    workloadEntry("reviews-v1", 19091, "{app: reviews, version: v1}"),
    workloadEntry("reviews-v2", 19092, "{app: reviews, version: v2}"),
  ];

  it("(a) Istio APIs: virtual-service-all-v1, then reviews-test-v2: jason → reviews v2, everyone else v1", () => {
    const t = built(applied(sample("destination-rule-all.yaml"), sample("virtual-service-all-v1.yaml"), BOOKINFO));
    expect(route(t, "http://reviews:9080/reviews/0", JASON)).toEqual({ to: "reviews/v1", origin: "http://127.0.0.1:19091" });
    const jason = built(applied(sample("destination-rule-all.yaml"), sample("virtual-service-all-v1.yaml"), sample("virtual-service-reviews-test-v2.yaml"), BOOKINFO));
    expect(route(jason, "http://reviews:9080/reviews/0", JASON)).toEqual({ to: "reviews/v2", origin: "http://127.0.0.1:19092" });
    expect(route(jason, "http://reviews:9080/reviews/0")).toEqual({ to: "reviews/v1", origin: "http://127.0.0.1:19091" });
  });

  it("(b) Gateway API, alone: refused at the parentRef and the backendRef, because the cluster's Services are not in the file", () => {
    expect(build(applied(s.get("snip_route_to_version_1_2")!)).errors).toEqual([
      'HTTPRoute reviews: spec.parentRefs[0].name: no Service "reviews" in namespace default',
      'HTTPRoute reviews: spec.rules[0].backendRefs[0].name: no Service "reviews-v1" in namespace default',
    ]);
  });

  it("(a) Gateway API with the Services and WorkloadEntries: all to reviews-v1, then jason → reviews-v2", () => {
    const v1 = built(applied(BOOKINFO_K8S, s.get("snip_route_to_version_1_2")!));
    expect(route(v1, "http://reviews:9080/reviews/0", JASON)).toEqual({ to: "reviews-v1", origin: "http://127.0.0.1:19091" });
    const t = built(applied(BOOKINFO_K8S, s.get("snip_route_to_version_1_2")!, s.get("snip_route_based_on_user_identity_3")!));
    expect(route(t, "http://reviews:9080/reviews/0", JASON)).toEqual({ to: "reviews-v2", origin: "http://127.0.0.1:19092" });
    expect(route(t, "http://reviews:9080/reviews/0")).toEqual({ to: "reviews-v1", origin: "http://127.0.0.1:19091" });
  });
});

describe("traffic-shifting (bookinfo samples only)", () => {
  it("(a) all-v1, then reviews-50-v3 (the draw splits at 0.5), then reviews-v3", () => {
    const base = [sample("destination-rule-all.yaml"), sample("virtual-service-all-v1.yaml")];
    const half = built(applied(...base, sample("virtual-service-reviews-50-v3.yaml"), BOOKINFO));
    expect(route(half, "http://reviews:9080/", [], 0.4999)).toMatchObject({ to: "reviews/v1" });
    expect(route(half, "http://reviews:9080/", [], 0.5)).toMatchObject({ to: "reviews/v3" });
    const all = built(applied(...base, sample("virtual-service-reviews-50-v3.yaml"), sample("virtual-service-reviews-v3.yaml"), BOOKINFO));
    expect(route(all, "http://reviews:9080/", [], 0.1)).toEqual({ to: "reviews/v3", origin: "http://127.0.0.1:19093" });
  });
});

describe("fault-injection (bookinfo samples only)", () => {
  const before = [sample("destination-rule-all.yaml"), sample("virtual-service-all-v1.yaml"), sample("virtual-service-reviews-test-v2.yaml")];

  it("(a) ratings-test-delay: jason waits 7 s, then ratings v1; others are not delayed", () => {
    const t = built(applied(...before, sample("virtual-service-ratings-test-delay.yaml"), BOOKINFO));
    expect(route(t, "http://ratings:9080/ratings/0", JASON, 0.9999)).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101", delayMs: 7000 });
    expect(route(t, "http://ratings:9080/ratings/0")).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101" });
  });

  it("(a) then ratings-test-abort replaces it: jason gets 500 from the edge; others reach ratings v1", () => {
    const t = built(applied(...before, sample("virtual-service-ratings-test-delay.yaml"), sample("virtual-service-ratings-test-abort.yaml"), BOOKINFO));
    expect(route(t, "http://ratings:9080/ratings/0", JASON, 0.9999)).toEqual({ answer: 500, reason: "fault_abort" });
    expect(route(t, "http://ratings:9080/ratings/0")).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101" });
  });
});

describe("request-timeouts", () => {
  const s = snips("request-timeouts.yaml");
  const steps = [sample("destination-rule-all.yaml"), sample("virtual-service-all-v1.yaml"), s.get("snip_request_timeouts_1")!, s.get("snip_request_timeouts_2")!];

  it("(a) reviews → v2, ratings delayed 2 s; then timeout: 0.5s on reviews (the call to ratings would take 2 s: Istio answers 504)", () => {
    const before = built(applied(...steps, BOOKINFO));
    expect(route(before, "http://reviews:9080/reviews/0")).toEqual({ to: "reviews/v2", origin: "http://127.0.0.1:19092" });
    expect(route(before, "http://ratings:9080/ratings/0", [], 0.9999)).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101", delayMs: 2000 });
    const t = built(applied(...steps, s.get("snip_request_timeouts_3")!, BOOKINFO));
    expect(route(t, "http://reviews:9080/reviews/0")).toEqual({ to: "reviews/v2", origin: "http://127.0.0.1:19092", timeoutMs: 500 });
  });

  it("(b) the task's three documents pasted into one file: VirtualService reviews twice, refused (Kubernetes keeps one; the second apply replaces the first)", () => {
    const { errors, problems } = build([readFileSync(`${DOCS}/request-timeouts.yaml`, "utf8"), sample("destination-rule-all.yaml").join("---\n"), ...BOOKINFO].join("---\n"));
    expect(errors).toEqual([
      "VirtualService reviews: metadata.name: VirtualService reviews is defined twice in namespace default: Kubernetes keeps one VirtualService of a name per namespace, and applying the second replaces the first",
    ]);
    expect(problems.find((p) => p.severity === "error")).toMatchObject({ line: 38, col: 9 });
  });
});

describe("circuit-breaking", () => {
  const s = snips("circuit-breaking.yaml");
  const VS = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: httpbin}\nspec:\n  hosts: [httpbin]\n  http:\n  - route:\n    - destination: {host: httpbin}\n";

  it("(b) the DestinationRule alone: nothing to route; the message names the ServiceEntry's host and the VirtualService to add", () => {
    const result = compileRoutes(applied(s.get("snip_configuring_the_circuit_breaker_1")!, [HTTPBIN]));
    expect(result.problems.filter((p) => p.severity === "error").map((p) => [p.message, p.fix])).toEqual([[
      "no VirtualService or HTTPRoute found: nothing to route. The ServiceEntries register httpbin, which Istio's sidecars reach through a default route; the worker serves only the hosts a VirtualService or HTTPRoute names",
      "add a VirtualService with hosts: [httpbin] and http: [{route: [{destination: {host: httpbin}}]}]",
    ]]);
  });

  it("(c) with a VirtualService: builds; connectionPool and outlierDetection are warned as not enforced (requests over the limit are forwarded, not answered 503)", () => {
    const { table, warnings } = build(applied(s.get("snip_configuring_the_circuit_breaker_1")!, [HTTPBIN, VS]));
    expect(warnings).toEqual([
      expect.stringContaining("DestinationRule httpbin: spec.trafficPolicy.connectionPool: is not applied at the edge (tcp.maxConnections, http.http1MaxPendingRequests, http.maxRequestsPerConnection)"),
      expect.stringContaining("DestinationRule httpbin: spec.trafficPolicy.outlierDetection: is not applied at the edge (consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent)"),
    ]);
    expect(route(table!, "http://httpbin:8000/get")).toMatchObject({ to: "httpbin" });
  });
});

describe("mirroring", () => {
  const s = snips("mirroring.yaml");
  const istio = [s.get("snip_before_you_begin_3")!, s.get("snip_creating_a_default_routing_policy_1")!];

  it("(a) Istio APIs: all to v1, then mirrorPercentage 100 to v2; the task's Service is skipped with a warning", () => {
    const before = built(applied(...istio, [HTTPBIN]));
    expect(route(before, "http://httpbin:8000/headers")).toEqual({ to: "httpbin/v1", origin: "http://127.0.0.1:18001" });
    const { table, warnings } = build(applied(...istio, s.get("snip_mirroring_traffic_to_v2_1")!, [HTTPBIN]));
    expect(warnings).toEqual([expect.stringContaining("skipped Service httpbin (v1): no HTTPRoute backendRef or parentRef names it")]);
    expect(route(table!, "http://httpbin:8000/headers")).toEqual({ to: "httpbin/v1", origin: "http://127.0.0.1:18001", mirrors: ["httpbin/v2"] });
  });

  it("(b) Istio APIs without a ServiceEntry: refused at each destination, the Service in the file named", () => {
    const { errors } = build(applied(...istio, s.get("snip_mirroring_traffic_to_v2_1")!));
    expect(errors.length).toBe(2);
    expect(errors[0]).toMatch(/^VirtualService httpbin: spec\.http\[0\]\.route\[0\]\.destination\.host: .*"httpbin" is a Kubernetes Service in this file, but the edge cannot reach a cluster's pods/);
  });

  it("(b) Gateway API alone: the version Services select no WorkloadEntry; (a) with them: v1 answers, v2 gets the mirror", () => {
    const gamma = [s.get("snip_before_you_begin_3")!, s.get("snip_creating_a_default_routing_policy_2")!, s.get("snip_mirroring_traffic_to_v2_2")!];
    expect(build(applied(...gamma)).errors).toEqual([
      'HTTPRoute httpbin: spec.rules[0].backendRefs[0].name: Service httpbin-v1 selects no WorkloadEntry (selector {"app":"httpbin","version":"v1"}, namespace default)',
      'HTTPRoute httpbin: spec.rules[0].filters[0].requestMirror.backendRef.name: Service httpbin-v2 selects no WorkloadEntry (selector {"app":"httpbin","version":"v2"}, namespace default)',
    ]);
    const entries = [workloadEntry("httpbin-v1", 18001, "{app: httpbin, version: v1}"), workloadEntry("httpbin-v2", 18002, "{app: httpbin, version: v2}")];
    const t = built(applied(...gamma, entries));
    expect(route(t, "http://httpbin:8000/headers")).toEqual({ to: "httpbin-v1", origin: "http://127.0.0.1:18001", mirrors: ["httpbin-v2"] });
  });
});

describe("locality-load-balancing (distribute, failover)", () => {
  const s = snips("locality-load-balancing.yaml");
  const VS = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: helloworld, namespace: sample}\nspec:\n  hosts: [helloworld.sample.svc.cluster.local]\n  http:\n  - route:\n    - destination: {host: helloworld}\n";

  it.each(["snip_configure_weighted_distribution_1", "snip_configure_locality_failover_1"])("(b) %s: localityLbSetting refused, the worker has no Istio locality", (snip) => {
    const result = compileRoutes(applied(s.get(snip)!, [serviceEntry("helloworld", 5000, { v1: 15001 }, "sample"), VS]));
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => `${p.resource}: ${p.path}`)).toEqual(["DestinationRule helloworld: spec.trafficPolicy.loadBalancer.localityLbSetting"]);
    expect(errors[0]!.message).toBe(
      "cannot apply at the edge: Istio weighs and fails over endpoints by the locality of the calling proxy (its node's region/zone/subzone) against each endpoint's locality; the worker runs in whichever Cloudflare location took the request and has no Istio locality, so neither distribute's from nor failover's order can be evaluated",
    );
    expect(errors[0]!.fix).toContain("remove it (requests then spread over every endpoint by loadBalancer.simple");
  });
});

describe("egress: egress-control", () => {
  const s = snips("egress-control.yaml");

  it("(b) the ServiceEntry alone: nothing to route, naming httpbin.org and the VirtualService to add", () => {
    expect(build(applied(s.get("snip_access_an_external_http_service_1")!)).errors).toEqual([
      "no VirtualService or HTTPRoute found: nothing to route. The ServiceEntries register httpbin.org, which Istio's sidecars reach through a default route; the worker serves only the hosts a VirtualService or HTTPRoute names",
    ]);
  });

  it("(a) with the timeout VirtualService: httpbin.org over plain HTTP with a 3 s timeout; www.google.com has no route (fails closed)", () => {
    const t = built(applied(s.get("snip_access_an_external_http_service_1")!, s.get("snip_access_an_external_https_service_1")!, s.get("snip_manage_traffic_to_external_services_2")!));
    expect(route(t, "http://httpbin.org/delay/5")).toEqual({ to: "httpbin.org", origin: "http://httpbin.org", timeoutMs: 3000 });
    expect(route(t, "https://www.google.com/")).toEqual({ answer: 404, reason: "no_virtual_service" });
  });

  it("(a) Gateway API: an HTTPRoute attached to the ServiceEntry (Istio's extension), backend kind Hostname: httpbin.org with a 3 s timeout", () => {
    const { table, warnings } = build(applied(s.get("snip_access_an_external_http_service_1")!, s.get("snip_manage_traffic_to_external_services_3")!));
    expect(warnings).toEqual([]);
    expect(route(table!, "http://httpbin.org/delay/5")).toEqual({ to: "httpbin.org", origin: "http://httpbin.org", timeoutMs: 3000 });
    expect(route(table!, "http://www.google.com/")).toEqual({ answer: 404, reason: "no_virtual_service" });
  });

  it("(b) a ServiceEntry parentRef is checked: the entry must exist, the port be one of its ports; a hostname not among its hosts is warned unused", () => {
    const step = s.get("snip_manage_traffic_to_external_services_3")!;
    expect(build(applied(step)).errors).toContain('HTTPRoute httpbin-ext: spec.parentRefs[0].name: no ServiceEntry "httpbin-ext" in namespace default');
    const port = step.map((d) => d.replace("    name: httpbin-ext\n  hostnames", "    name: httpbin-ext\n    port: 8080\n  hostnames"));
    expect(build(applied(s.get("snip_access_an_external_http_service_1")!, port)).errors).toEqual(["HTTPRoute httpbin-ext: spec.parentRefs[0].port: ServiceEntry httpbin-ext has no port 8080 (ports: 80)"]);
    const other = step.map((d) => d.replace("  - httpbin.org\n  rules", "  - api.example.com\n  rules"));
    const { table, warnings } = build(applied(s.get("snip_access_an_external_http_service_1")!, other));
    expect(warnings).toEqual(["HTTPRoute httpbin-ext: spec.hostnames[0]: is not used: a route attached to ServiceEntry httpbin-ext serves its hosts (httpbin.org)"]);
    expect(route(table!, "http://api.example.com/")).toEqual({ answer: 404, reason: "no_virtual_service" });
  });
});

describe("egress: egress-tls-origination", () => {
  const s = snips("egress-tls-origination.yaml");

  it("(b) the first step (tls routes by SNI) is refused: the worker receives HTTP after Cloudflare ends TLS", () => {
    expect(build(applied(s.get("snip_apply_simple")!)).errors).toEqual([
      "VirtualService edition-cnn-com: spec.tls: this VirtualService has only tls routes (Istio takes one of http, tcp, tls); the edge serves http routes only: a Worker receives HTTP requests, after Cloudflare has terminated TLS, never a TCP connection or a TLS stream to route by SNI",
    ]);
  });

  it("(a) TLS origination: port 80 requests go out over HTTPS (subset portLevelSettings tls SIMPLE); port 443 has no http route (fails closed)", () => {
    const t = built(applied(s.get("snip_apply_simple")!, s.get("snip_apply_origination")!));
    expect(route(t, "http://edition.cnn.com/politics")).toEqual({ to: "edition.cnn.com/tls-origination", origin: "https://edition.cnn.com" });
    expect(route(t, "https://edition.cnn.com/politics")).toEqual({ answer: 404, reason: "no_route" });
  });
});

describe("egress: wildcard-egress-hosts", () => {
  const s = snips("wildcard-egress-hosts.yaml");

  it("(b) the wildcard ServiceEntry alone: nothing to route, naming *.wikipedia.org", () => {
    expect(build(applied(s.get("snip_configure_direct_traffic_to_a_wildcard_host_1")!)).errors).toEqual([
      "no VirtualService or HTTPRoute found: nothing to route. The ServiceEntries register *.wikipedia.org, which Istio's sidecars reach through a default route; the worker serves only the hosts a VirtualService or HTTPRoute names",
    ]);
  });

  it("(b) through the egress gateway (Istio APIs): the PASSTHROUGH server is skipped and the tls-only VirtualService refused", () => {
    const { errors, warnings } = build(applied(s.get("snip_configure_egress_gateway_traffic_to_a_wildcard_host_1")!, s.get("snip_configure_egress_gateway_traffic_to_a_wildcard_host_3")!));
    expect(warnings).toEqual([expect.stringContaining("Gateway istio-egressgateway: spec.servers[0]: skipped: tls.mode PASSTHROUGH passes TLS through by SNI")]);
    expect(errors).toEqual([expect.stringMatching(/^VirtualService direct-wikipedia-through-egress-gateway: spec\.tls: this VirtualService has only tls routes/)]);
  });

  it("(b) through the egress gateway (Gateway API): the TLSRoutes are skipped saying why, then nothing to route", () => {
    const { errors, warnings } = build(applied(s.get("snip_configure_egress_gateway_traffic_to_a_wildcard_host_2")!));
    expect(warnings.filter((w) => w.startsWith("skipped TLSRoute"))).toEqual(
      ["direct-wikipedia-to-egress-gateway", "forward-wikipedia-from-egress-gateway"].map(
        (name) => `skipped TLSRoute ${name} (gateway.networking.k8s.io/v1alpha2): a TLSRoute routes TLS connections by SNI, and Cloudflare terminates TLS before the worker, which receives HTTP requests (Cloudflare Spectrum proxies TLS); the worker answers 404 for its hostnames unless an HTTPRoute serves them`,
      ),
    );
    expect(errors).toEqual([expect.stringMatching(/^no VirtualService or HTTPRoute found: nothing to route \(the file has Gateway, but no route\)/)]);
  });
});

describe("egress: http-proxy", () => {
  const s = snips("http-proxy.yaml");

  it("(b) verbatim, the shell's $PROXY_PORT is not a port", () => {
    expect(build(applied(s.get("snip_configure_traffic_to_external_https_proxy_1")!)).errors).toContain('ServiceEntry proxy: spec.ports[0].number: must be a number, found string "$PROXY_PORT"');
  });

  it("(b) as the shell fills it in: addresses (a virtual IP for TCP to the proxy) are refused", () => {
    const filled = s.get("snip_configure_traffic_to_external_https_proxy_1")!.map((d) => d.replaceAll("$PROXY_IP", "10.4.0.9").replaceAll("$PROXY_PORT", "3128"));
    const { errors, warnings } = build(applied(filled));
    expect(errors).toEqual(["ServiceEntry proxy: spec.addresses: cannot apply at the edge: virtual IPs route TCP inside a mesh; the worker selects services by host name"]);
    expect(warnings).toEqual([expect.stringContaining("ServiceEntry proxy: spec.ports[0]: skipped: protocol TCP is not HTTP")]);
  });
});

describe("ingress: ingress-control", () => {
  const s = snips("ingress-control.yaml");

  it("(a) Istio APIs: httpbin.example.com /status and /delay reach httpbin:8000; /headers and other hosts get 404", () => {
    const t = built(applied(s.get("snip_configuring_ingress_using_a_gateway_1")!, s.get("snip_configuring_ingress_using_a_gateway_2")!, [HTTPBIN]));
    expect(route(t, "http://httpbin.example.com/status/200")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18001" });
    expect(route(t, "http://httpbin.example.com/delay/1")).toMatchObject({ to: "httpbin" });
    expect(route(t, "http://httpbin.example.com/headers")).toEqual({ answer: 404, reason: "no_route" });
    expect(route(t, "http://other.example.com/status/200")).toEqual({ answer: 404, reason: "no_virtual_service" });
  });

  it('(a) Istio APIs, "accessing ingress services using a browser": any host, /headers only', () => {
    const t = built(applied(s.get("snip_configuring_ingress_using_a_gateway_1")!, s.get("snip_configuring_ingress_using_a_gateway_2")!, s.get("snip_accessing_ingress_services_using_a_browser_1")!, [HTTPBIN]));
    expect(route(t, "http://192.0.2.10/headers")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18001" });
    expect(route(t, "http://httpbin.example.com/status/200")).toEqual({ answer: 404, reason: "no_route" });
  });

  it("(b) Gateway API without samples/httpbin/httpbin.yaml: no Service httpbin; (a) with it: the same routes", () => {
    const gw = [s.get("snip_configuring_ingress_using_a_gateway_3")!, s.get("snip_configuring_ingress_using_a_gateway_5")!];
    expect(build(applied(...gw)).errors).toEqual(['HTTPRoute httpbin: spec.rules[0].backendRefs[0].name: no Service "httpbin" in namespace default']);
    const t = built(applied(...gw, HTTPBIN_K8S));
    expect(route(t, "http://httpbin.example.com/status/200")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18001" });
    expect(route(t, "http://httpbin.example.com/headers")).toMatchObject({ answer: 404 });
    const browser = built(applied(...gw, s.get("snip_accessing_ingress_services_using_a_browser_2")!, HTTPBIN_K8S));
    expect(route(browser, "http://192.0.2.10/headers")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18001" });
  });
});

describe("ingress: secure-ingress", () => {
  const s = snips("secure-ingress.yaml");
  const single = [s.get("snip_configure_a_tls_ingress_gateway_for_a_single_host_2")!, s.get("snip_configure_a_tls_ingress_gateway_for_a_single_host_3")!];
  const multi = [...single, s.get("snip_configure_a_tls_ingress_gateway_for_multiple_hosts_4")!, s.get("snip_configure_a_tls_ingress_gateway_for_multiple_hosts_5")!];

  it("(a) SIMPLE, one host and then two: served; credentialName is Cloudflare's edge certificate, and plain HTTP is Cloudflare's to refuse (warnings)", () => {
    const { table, warnings } = build(applied(...single, [HTTPBIN]));
    expect(warnings).toEqual([
      expect.stringContaining("Gateway mygateway: spec.servers[0].tls: credentialName: not used; Cloudflare terminates TLS for the worker"),
      "Gateway mygateway: spec.servers[0]: httpbin.example.com: Istio serves this host over HTTPS only (no plain-HTTP server exposes it), but the worker answers whatever scheme Cloudflare receives, plain HTTP included",
    ]);
    expect(build(applied(...single, [HTTPBIN])).problems.find((p) => p.message.includes("over HTTPS only"))?.fix).toBe(
      "turn on Always Use HTTPS for the zone: Cloudflare then redirects plain-HTTP requests before the worker runs",
    );
    // A plain-HTTP server for the host in the same Gateway takes the warning away.
    const withPort80 = single[0]!.map((d) => d.replace("  servers:\n", "  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [httpbin.example.com]\n"));
    const both = build(applied(withPort80, single[1]!, [HTTPBIN]));
    expect(both.errors).toEqual([]);
    expect(both.warnings.filter((w) => w.includes("over HTTPS only"))).toEqual([]);
    expect(route(table!, "https://httpbin.example.com/status/418")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18001" });
    const two = built(applied(...multi, [HTTPBIN, HELLOWORLD]));
    expect(route(two, "https://helloworld.example.com/hello")).toEqual({ to: "helloworld", origin: "http://127.0.0.1:15001" });
    expect(route(two, "https://helloworld.example.com/hello/x")).toEqual({ answer: 404, reason: "no_route" });
    expect(route(two, "https://httpbin.example.com/status/418")).toMatchObject({ to: "httpbin" });
  });

  it("(b) MUTUAL: refused at the mode (the worker cannot ask for client certificates); httpbin's VirtualService is not told its host is unexposed", () => {
    const result = compileRoutes(applied(...multi, s.get("snip_configure_a_mutual_tls_ingress_gateway_2")!, [HTTPBIN, HELLOWORLD]));
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => `${p.resource}: ${p.path}: ${p.message}`)).toEqual([
      "Gateway mygateway: spec.servers[0].tls.mode: MUTUAL requires client certificates, which the worker cannot ask for: serving this server would let in clients Istio turns away",
      // True in Istio too: the MUTUAL Gateway replaced the two-host one, so helloworld.example.com is on no server.
      'VirtualService helloworld: spec.hosts[0]: host "helloworld.example.com" is not exposed by Gateway mygateway (hosts: none served), so Istio would not serve it there',
    ]);
    expect(errors[0]!.fix).toContain("Cloudflare mTLS");
  });

  it("(a) Gateway API Terminate listeners, one host and then two: served, listener tls a warning", () => {
    const one = [s.get("snip_configure_a_tls_ingress_gateway_for_a_single_host_4")!, s.get("snip_configure_a_tls_ingress_gateway_for_a_single_host_5")!];
    const { table, warnings } = build(applied(...one, HTTPBIN_K8S));
    expect(warnings).toContain("Gateway mygateway: spec.listeners[0].tls: is ignored: TLS is terminated by Cloudflare with the zone's certificates");
    expect(warnings).toContain(
      "Gateway mygateway: spec.listeners[0]: httpbin.example.com: the Gateway takes it over HTTPS only (no HTTP listener), but the worker answers whatever scheme Cloudflare receives, plain HTTP included",
    );
    // ingress-control's Gateway has an HTTP listener: no such warning.
    const plain = build(applied(snips("ingress-control.yaml").get("snip_configuring_ingress_using_a_gateway_3")!, snips("ingress-control.yaml").get("snip_configuring_ingress_using_a_gateway_5")!, HTTPBIN_K8S));
    expect(plain.warnings.filter((w) => w.includes("HTTPS only"))).toEqual([]);
    expect(route(table!, "https://httpbin.example.com/status/418")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18001" });
    const two = built(applied(...one, s.get("snip_configure_a_tls_ingress_gateway_for_multiple_hosts_6")!, s.get("snip_configure_a_tls_ingress_gateway_for_multiple_hosts_7")!, HTTPBIN_K8S, HELLOWORLD_K8S));
    expect(route(two, "https://helloworld.example.com/hello")).toEqual({ to: "helloworld", origin: "http://127.0.0.1:15001" });
  });

  it("(b) Gateway API MUTUAL (options gateway.istio.io/tls-terminate-mode): refused at the option, never served to clients without a certificate", () => {
    const steps = [s.get("snip_configure_a_tls_ingress_gateway_for_a_single_host_4")!, s.get("snip_configure_a_tls_ingress_gateway_for_a_single_host_5")!, s.get("snip_configure_a_mutual_tls_ingress_gateway_3")!];
    const result = compileRoutes(applied(...steps, HTTPBIN_K8S));
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => `${p.resource}: ${p.path}: ${p.message}`)).toEqual([
      "Gateway mygateway: spec.listeners[0].tls.options.gateway.istio.io/tls-terminate-mode: MUTUAL makes Istio's gateway require client certificates, which the worker cannot ask for: serving this listener would let in clients Istio turns away",
    ]);
    expect(result.table).toBeUndefined();
  });
});

describe("ingress: ingress-sni-passthrough", () => {
  it("(b) PASSTHROUGH server skipped, tls-only VirtualService refused", () => {
    const s = snips("ingress-sni-passthrough.yaml");
    const { errors, warnings } = build(applied(s.get("snip_configure_an_ingress_gateway_1")!, s.get("snip_configure_an_ingress_gateway_2")!));
    expect(warnings).toEqual([expect.stringContaining("Gateway mygateway: spec.servers[0]: skipped: tls.mode PASSTHROUGH passes TLS through by SNI")]);
    expect(errors).toEqual([expect.stringMatching(/^VirtualService nginx: spec\.tls: this VirtualService has only tls routes/)]);
  });
});

describe("reference/config/networking/service-entry: the page's examples (v1beta1 tabs)", () => {
  const s = snips("service-entry-reference.yaml");
  /** The VirtualService a user adds to route a host of the example to it (none of them has one). */
  const VS = (host: string, namespace?: string) =>
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: route${namespace ? `, namespace: ${namespace}` : ""}}\nspec:\n  hosts: ["${host}"]\n  http:\n  - route:\n    - destination: {host: "${host}"}\n`;
  const errorsOf = (example: string, ...extra: string[]) => build(applied(s.get(example)!, extra)).errors;

  it("(a) external-svc-https (TLS on 443, DNS) with a route: forwarded over HTTPS to the same host, as the sidecar's passthrough reaches it", () => {
    const t = built(applied(s.get("example_external_svc_https")!, [VS("api.dropboxapi.com")]));
    expect(route(t, "https://api.dropboxapi.com/2/files")).toEqual({ to: "api.dropboxapi.com", origin: "https://api.dropboxapi.com" });
  });

  it("(a) external-svc-dns: foo.bar.com spread over the three endpoints, each on its own port", () => {
    const t = built(applied(s.get("example_dns_endpoints")!, [VS("foo.bar.com")]));
    expect([0, 0.4, 0.8].map((r) => explainJson(t, "GET", "http://foo.bar.com/baz", [], { random: r }).origin)).toEqual(["http://us.foo.bar.com:8080", "http://uk.foo.bar.com:9080", "http://in.foo.bar.com:7080"]);
  });

  it("(b) mongocluster: addresses, MONGO and the MUTUAL DestinationRule, each refused at its field", () => {
    expect(errorsOf("example_mongocluster", VS("mymongodb.somedomain")).map((e) => e.split(": ").slice(0, 2).join(": "))).toEqual([
      "ServiceEntry external-svc-mongocluster: spec.addresses",
      "DestinationRule mtls-mongocluster: spec.trafficPolicy.tls.mode",
      "VirtualService route: spec.http[0].route[0].destination",
    ]);
  });

  it("(b) SNI redirect: resolution NONE and the tls-only VirtualService refused", () => {
    expect(errorsOf("example_sni_redirect")).toEqual([
      "ServiceEntry external-svc-redirect: spec.resolution: resolution NONE forwards to the original destination IP, which a Worker does not have",
      expect.stringMatching(/^VirtualService tls-routing: spec\.tls: this VirtualService has only tls routes/),
    ]);
  });

  it("(b) wildcard *.bar.com, resolution NONE: one error, at the resolution (no second one at the route)", () => {
    expect(errorsOf("example_wildcard", VS("*.bar.com"))).toEqual(["ServiceEntry external-svc-wildcard-example: spec.resolution: resolution NONE forwards to the original destination IP, which a Worker does not have"]);
  });

  it("(b) unix domain socket: one error, at the address (the entry is not also said to have no endpoints)", () => {
    expect(errorsOf("example_unix_domain_socket", VS("example.unix.local"))).toEqual(["ServiceEntry unix-domain-socket-example: spec.endpoints[0].address: a Worker cannot reach unix domain sockets"]);
  });

  it("(b) subjectAltNames: refused, the origin's certificate is checked against public CAs", () => {
    expect(errorsOf("example_subject_alt_names", VS("example.com", "httpbin-ns"))).toEqual([
      "ServiceEntry httpbin: spec.subjectAltNames: cannot apply at the edge: Workers verify origin certificates against public CAs; mesh identities do not apply",
    ]);
  });

  it("(b) workloadSelector over WorkloadEntries: refused at the selector and the entries' serviceAccount (no 'STATIC needs endpoints' besides)", () => {
    expect(errorsOf("example_workload_selector", VS("details.bookinfo.com")).map((e) => e.split(": ").slice(0, 2).join(": "))).toEqual([
      "ServiceEntry details-svc: spec.workloadSelector",
      "WorkloadEntry details-vm-1: spec.serviceAccount",
      "WorkloadEntry details-vm-2: spec.serviceAccount",
    ]);
  });

  it("(b) egress gateway: the gateway's own Service is not registered, the private ServiceEntry is not visible from the gateway, and `istio-egressgateway` names a Gateway of namespace egress (Istio reads it so too)", () => {
    expect(errorsOf("example_egress_gateway").map((e) => e.split(": ").slice(0, 2).join(": "))).toEqual([
      "VirtualService gateway-routing: spec.http[0].route[0].destination.host",
      "VirtualService gateway-routing: spec.http[1].route[0].destination.host",
      "VirtualService gateway-routing: spec.gateways[1]",
      "VirtualService gateway-routing: spec.http[1].match[0].gateways[0]",
    ]);
  });
});

describe("reference/config/networking/virtual-service: the page's first examples (v1beta1 tabs)", () => {
  const s = snips("virtual-service-reference.yaml");

  it("(a) reviews-route: /wpcatalog and /consumercatalog → v2 with the prefix rewritten to /newcatalog; the rest → v1", () => {
    const t = built(applied(s.get("example_reviews_route")!, [serviceEntry("reviews.prod.svc.cluster.local", 9080, { v1: 19091, v2: 19092 })]));
    const plan = explainJson(t, "GET", "http://reviews.prod.svc.cluster.local/wpcatalog/item", [], { random: 0 });
    expect([plan.route, plan.destination, plan.target]).toEqual(["reviews-route/reviews-v2-routes", "reviews.prod.svc.cluster.local/v2", "/newcatalog/item"]);
    expect(route(t, "http://reviews.prod.svc.cluster.local/other")).toEqual({ to: "reviews.prod.svc.cluster.local/v1", origin: "http://127.0.0.1:19091" });
  });

  it("(a) short names in namespace foo: the VirtualService, DestinationRule and ServiceEntry all mean reviews.foo.svc.cluster.local", () => {
    const t = built(applied(s.get("example_short_names_in_foo")!, [serviceEntry("reviews", 9080, { v1: 19091, v2: 19092 }, "foo")]));
    expect(explainJson(t, "GET", "http://reviews/consumercatalog", [], { random: 0 }).target).toBe("/newcatalog");
    expect(route(t, "http://reviews/consumercatalog")).toEqual({ to: "reviews/v2", origin: "http://127.0.0.1:19092" });
    expect(route(t, "http://reviews/")).toEqual({ to: "reviews/v1", origin: "http://127.0.0.1:19091" });
  });

  it("(a) a rule in istio-system for a fully qualified host: the namespace does not matter; timeout 5 s", () => {
    const t = built(applied(s.get("example_productpage_timeout")!, [serviceEntry("productpage.prod.svc.cluster.local", 9080, { v1: 19080 })]));
    expect(route(t, "http://productpage.prod.svc.cluster.local/")).toEqual({ to: "productpage.prod.svc.cluster.local", origin: "http://127.0.0.1:19080", timeoutMs: 5000 });
  });

  it("(a) corsPolicy with the deprecated allowOrigin: builds, with a warning and the allowOrigins to write", () => {
    const DR = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ratings}\nspec:\n  host: ratings.prod.svc.cluster.local\n  subsets: [{name: v1, labels: {version: v1}}]\n";
    const result = compileRoutes(applied(s.get("example_cors_policy")!, [serviceEntry("ratings.prod.svc.cluster.local", 9080, { v1: 19101 }), DR]));
    expect(result.table).toBeDefined();
    expect(result.problems.map((p) => [p.severity, p.path, p.message, p.fix])).toEqual([
      ["warning", "spec.http[0].corsPolicy.allowOrigin", "allowOrigin is deprecated in Istio", "use allowOrigins: [{exact: https://example.com}]"],
    ]);
  });

  it("(b) the wikipedia example, a ServiceEntry and a VirtualService with no --- between them: refused at the second apiVersion, saying so", () => {
    const result = compileRoutes(applied(s.get("example_wikipedia_timeout")!));
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => [p.line, p.col, p.message.split(" (the parser")[0], p.fix])).toEqual([
      [16, 1, 'YAML syntax: a second resource starts here without a "---" line before it ("apiVersion" appears twice in one document)', 'put a line "---" before this line (each resource is its own YAML document)'],
    ]);
  });
});

describe("the fixtures", () => {
  it("every snip of every task file is exercised above", () => {
    const source = readFileSync("test/config/istio-docs.test.ts", "utf8");
    const files = ["request-routing", "request-timeouts", "circuit-breaking", "mirroring", "locality-load-balancing", "egress-control", "egress-tls-origination", "wildcard-egress-hosts", "http-proxy", "ingress-control", "secure-ingress", "ingress-sni-passthrough", "service-entry-reference", "virtual-service-reference"];
    expect(readdirSync(DOCS).sort()).toEqual(["README.md", ...files.map((f) => `${f}.yaml`)].sort());
    const missing = files.flatMap((f) => [...snips(`${f}.yaml`).keys()].filter((name) => !source.includes(`"${name}"`)).map((name) => `${f}: ${name}`));
    expect(missing).toEqual([]);
  });
});
