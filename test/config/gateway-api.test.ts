// The Gateway API dialect compiled to the route table: Istio's Gateway API mirroring
// task, hosts from parentRefs and hostnames, Gateway API precedence, backends through
// Services and WorkloadEntries, filters, timeouts, retry, MirrorPolicy targets.
import { describe, expect, it } from "vitest";
import { comparedRoutes } from "../../src/admin/compare-report";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import type { RouteTable } from "../../src/routing/table";
import { HTTP_ROUTE_MIRROR, seedGatewayApiRoutes, TASK_SERVICES } from "../support/seed-gateway-api";

function table(yaml: string): RouteTable {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

function messages(yaml: string, severity: "error" | "warning" = "error"): string[] {
  return compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem);
}

/** Istio's Gateway API mirroring task (istio.io content/en/docs/tasks/traffic-management/mirroring), as written there, with v1 and v2 on 9081 and 9082. */
const TASK = seedGatewayApiRoutes(HTTP_ROUTE_MIRROR, 9081, 9082);

/** A Gateway whose one listener serves every host, and an echo backend v1..v3. */
const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: edge
  listeners: [{name: http, port: 80, protocol: HTTP}]
${["v1", "v2", "v3"]
  .map(
    (v) => `---
apiVersion: v1
kind: Service
metadata: {name: ${v}}
spec: {selector: {app: ${v}}, ports: [{name: http, port: 8080, targetPort: 3000}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${v}}
spec: {address: ${v}.origin.example, labels: {app: ${v}}}`,
  )
  .join("\n")}
`;

function route(name: string, spec: string, metadata = ""): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}${metadata}}
spec:
  parentRefs: [{name: gw}]
${spec}
`;
}

const routeNames = (t: RouteTable, host: string) => t.virtualHosts[t.hosts.exact[host] ?? t.hosts.catchAll!]!.routes.map((r) => r.name);

describe("Istio's Gateway API mirroring task", () => {
  it("compiles the task's Services and HTTPRoute as written, plus one WorkloadEntry per version", () => {
    const t = table(TASK);
    expect(t.hosts.exact).toEqual({ httpbin: 0 });
    const [vhost] = t.virtualHosts;
    expect(vhost).toMatchObject({ name: "httpbin", httpRoutes: ["httpbin"] });
    expect(vhost!.routes).toHaveLength(1);
    expect(vhost!.routes[0]).toMatchObject({
      name: "httpbin/rules[0]",
      match: [],
      destinations: [{ cluster: { name: "httpbin-v1", origins: ["http://127.0.0.1:9081"] }, weight: 1 }],
      mirrors: [{ cluster: { name: "httpbin-v2", origins: ["http://127.0.0.1:9082"] }, perMillion: 1_000_000 }],
      retries: { source: "istio-default" },
      shadow: { hostSuffix: true, timeoutMs: 25_000 },
    });
    expect(messages(TASK, "warning")).toEqual([]);
  });

  it("accepts the GAMMA spelling of the parent too: group \"\"", () => {
    const t = table(TASK.replace("  - kind: Service\n", '  - group: ""\n    kind: Service\n'));
    expect(t.hosts.exact).toEqual({ httpbin: 0 });
  });

  it("needs the parent Service, and its port", () => {
    expect(messages([TASK_SERVICES, HTTP_ROUTE_MIRROR].join("---\n")).join("\n")).toContain('spec.parentRefs[0].name: no Service "httpbin" in namespace default');
    expect(messages(TASK.replace("port: 8000\n  rules", "port: 9000\n  rules")).join("\n")).toContain("spec.parentRefs[0].port: Service httpbin has no port 9000 (ports: 8000)");
  });

  it("says which WorkloadEntry is missing, where the backendRef is", () => {
    const noV2 = TASK.slice(0, TASK.lastIndexOf("---\napiVersion: networking.istio.io/v1"));
    const errors = messages(noV2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^routes\.yaml:\d+:\d+ error: HTTPRoute httpbin: spec\.rules\[0\]\.filters\[0\]\.requestMirror\.backendRef\.name: Service httpbin-v2 selects no WorkloadEntry \(selector \{"app":"httpbin","version":"v2"\}, namespace default\)/);
    expect(errors[0]).toContain("fix: add a WorkloadEntry (networking.istio.io/v1) in namespace default with labels");
  });
});

describe("backends", () => {
  it("takes a WorkloadEntry's port for the Service port's name, else the targetPort, else the port", () => {
    const t = table(`${GATEWAY}${route("r", "  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`);
    expect(t.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["http://v1.origin.example:3000"]);
    const named = table(`${GATEWAY.replace("address: v1.origin.example, labels: {app: v1}", "address: v1.origin.example, labels: {app: v1}, ports: {http: 9443}")}${route("r", "  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`);
    expect(named.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["http://v1.origin.example:9443"]);
  });

  it("goes to an ExternalName on the backendRef's port, HTTPS on 443 (an IP literal warns)", () => {
    const external = `---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: v2.example.com}
`;
    const t = table(`${GATEWAY}${external}${route("r", "  rules: [{backendRefs: [{name: ext, port: 443}]}]")}`);
    expect(t.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster).toEqual({ name: "ext", origins: ["https://v2.example.com"] });
    const ip = `${GATEWAY}${external.replace("v2.example.com", "127.0.0.1")}${route("r", "  rules: [{backendRefs: [{name: ext, port: 9082}]}]")}`;
    expect(table(ip).virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["http://127.0.0.1:9082"]);
    expect(messages(ip, "warning").join("\n")).toContain('spec.externalName: "127.0.0.1" is an IP address');
  });

  it("resolves Istio's Hostname kind through a ServiceEntry", () => {
    const se = `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api}
spec:
  hosts: [api.internal]
  resolution: DNS
  ports: [{number: 443, name: https, protocol: HTTPS}]
  endpoints: [{address: api.example.com}]
`;
    const t = table(`${GATEWAY}${se}${route("r", "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, name: api.internal}]}]")}`);
    expect(t.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster).toEqual({ name: "api.internal", origins: ["https://api.example.com"] });
    expect(messages(`${GATEWAY}${route("r", "  rules: [{backendRefs: [{group: networking.istio.io, kind: Hostname, name: nowhere}]}]")}`).join("\n")).toContain(
      'spec.rules[0].backendRefs[0].name: no ServiceEntry registers host "nowhere"',
    );
  });

  it.each([
    ["an unknown Service", "  rules: [{backendRefs: [{name: v9, port: 8080}]}]", 'spec.rules[0].backendRefs[0].name: no Service "v9" in namespace default (Services: v1, v2, v3)'],
    ["a Service without port", "  rules: [{backendRefs: [{name: v1}]}]", "spec.rules[0].backendRefs[0].port: is required for a Service backend (Gateway API)"],
    ["a port the Service does not have", "  rules: [{backendRefs: [{name: v1, port: 80}]}]", "spec.rules[0].backendRefs[0].port: Service v1 has no port 80 (ports: 8080)"],
    ["another kind", "  rules: [{backendRefs: [{group: example.com, kind: Bucket, name: b}]}]", "spec.rules[0].backendRefs[0].kind: edge-mirror cannot resolve a backend of kind example.com/Bucket"],
    ["another namespace", "  rules: [{backendRefs: [{name: v1, namespace: other, port: 8080}]}]", "spec.rules[0].backendRefs[0].namespace: refers to namespace other, which needs a ReferenceGrant there"],
  ])("refuses %s", (_, spec, message) => {
    expect(messages(`${GATEWAY}${route("r", spec)}`).join("\n")).toContain(message);
  });

  it("answers 500 at the edge when no backend has weight, or there is none (conformance all-backends-weight-zero, omitted-backendrefs)", () => {
    const t = table(`${GATEWAY}${route("r", "  rules:\n  - {matches: [{path: {value: /a}}], backendRefs: [{name: v1, port: 8080, weight: 0}, {name: v2, port: 8080, weight: 0}]}\n  - matches: [{path: {value: /b}}]")}`);
    for (const r of t.virtualHosts[0]!.routes) expect(r).toMatchObject({ destinations: [], directResponse: { status: 500 } });
  });

  it("warns about Services and Gateways nothing refers to, as about other skipped kinds", () => {
    const warnings = messages(`${GATEWAY}${route("r", "  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`, "warning");
    expect(warnings).toEqual([
      expect.stringContaining("skipped Service v2 (v1): no HTTPRoute backendRef or parentRef names it"),
      expect.stringContaining("skipped Service v3 (v1): no HTTPRoute backendRef or parentRef names it"),
      expect.stringContaining("no Service an HTTPRoute uses selects WorkloadEntry v2"),
      expect.stringContaining("no Service an HTTPRoute uses selects WorkloadEntry v3"),
    ]);
  });
});

describe("hosts", () => {
  const listeners = (hosts: string) =>
    GATEWAY.replace("listeners: [{name: http, port: 80, protocol: HTTP}]", `listeners: [${hosts}]`);

  it("a route without hostnames on a listener without hostname serves every host", () => {
    const t = table(`${GATEWAY}${route("r", "  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`);
    expect(t.hosts).toEqual({ exact: {}, wildcards: [], catchAll: 0 });
    expect(t.virtualHosts[0]!.name).toBe("*");
  });

  it("intersects the route's hostnames with the listener's (conformance httproute-hostname-intersection)", () => {
    const gw = listeners("{name: a, port: 80, protocol: HTTP, hostname: very.specific.com}, {name: b, port: 80, protocol: HTTP, hostname: '*.wildcard.io'}");
    const t = table(`${gw}${route("r", "  hostnames: [non.matching.com, '*.specific.com', foo.wildcard.io, '*.wildcard.io']\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`);
    expect(Object.keys(t.hosts.exact).sort()).toEqual(["foo.wildcard.io", "very.specific.com"]);
    expect(t.hosts.wildcards.map((w) => w.suffix)).toEqual([".wildcard.io"]);
    expect(messages(`${gw}${route("r", "  hostnames: [non.matching.com, '*.specific.com']\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`, "warning").join("\n")).toContain(
      "spec.hostnames[0]: matches no listener of Gateway gw",
    );
    expect(messages(`${gw}${route("r", "  hostnames: [non.matching.com]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`).join("\n")).toContain(
      "spec.parentRefs[0]: no hostname of the route matches Gateway gw's listeners (very.specific.com, *.wildcard.io)",
    );
  });

  it("selects listeners by sectionName and port, and honours allowedRoutes", () => {
    const gw = listeners("{name: a, port: 80, protocol: HTTP, hostname: a.example.com}, {name: b, port: 8080, protocol: HTTP, hostname: b.example.com}");
    const via = (parent: string) => table(`${gw}${route("r", "  rules: [{backendRefs: [{name: v1, port: 8080}]}]").replace("parentRefs: [{name: gw}]", `parentRefs: [${parent}]`)}`);
    expect(Object.keys(via("{name: gw, sectionName: b}").hosts.exact)).toEqual(["b.example.com"]);
    expect(Object.keys(via("{name: gw, port: 80}").hosts.exact)).toEqual(["a.example.com"]);
    expect(messages(`${gw}${route("r", "  rules: []").replace("{name: gw}", "{name: gw, sectionName: c}")}`).join("\n")).toContain('Gateway gw has no listener named "c" (listeners: a, b)');
    const other = `${route("r", "  rules: [{backendRefs: [{name: v1, port: 8080}]}]", ", namespace: team").replace("{name: gw}", "{name: gw, namespace: default}")}`;
    expect(messages(`${gw}${other}`).join("\n")).toContain("Gateway gw's listeners do not accept this HTTPRoute (an HTTP or HTTPS listener that allows HTTPRoutes, from namespace team)");
  });

  it("refuses a hostname a VirtualService already routes, and hostnames that are not Gateway API hostnames", () => {
    const vs = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [example.com]
  http: [{route: [{destination: {host: backend}}]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: backend}
spec: {hosts: [backend], resolution: DNS, ports: [{number: 80, name: http}]}
`;
    expect(messages(`${GATEWAY}${vs}${route("r", "  hostnames: [example.com]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]")}`).join("\n")).toContain(
      'spec.hostnames[0]: host "example.com" is already routed by VirtualService vs',
    );
    expect(messages(`${GATEWAY}${route("r", "  hostnames: [10.0.0.1, 'api.example.com:8080']\n  rules: []")}`)).toEqual([
      expect.stringContaining('spec.hostnames[0]: "10.0.0.1" is not a Gateway API hostname'),
      expect.stringContaining('spec.hostnames[1]: "api.example.com:8080" is not a Gateway API hostname'),
    ]);
  });

  it("puts the rules of the most specific hostname first, then the wildcard's, then those for every host", () => {
    const t = table(
      `${GATEWAY}${route("any", "  rules: [{backendRefs: [{name: v3, port: 8080}]}]")}${route("wild", "  hostnames: ['*.example.com']\n  rules: [{backendRefs: [{name: v2, port: 8080}]}]")}${route("exact", "  hostnames: [foo.example.com]\n  rules: [{matches: [{path: {value: /foo}}], backendRefs: [{name: v1, port: 8080}]}]")}`,
    );
    expect(routeNames(t, "foo.example.com")).toEqual(["exact/rules[0]", "wild/rules[0]", "any/rules[0]"]);
    expect(t.virtualHosts[t.hosts.wildcards[0]!.vhost]!.routes.map((r) => r.name)).toEqual(["wild/rules[0]", "any/rules[0]"]);
    expect(t.virtualHosts[t.hosts.catchAll!]!.routes.map((r) => r.name)).toEqual(["any/rules[0]"]);
  });
});

describe("precedence (conformance httproute-path-match-order, httproute-matching-across-routes)", () => {
  it("orders matches across routes: Exact, longest PathPrefix, method, most headers, most query params", () => {
    const t = table(
      `${GATEWAY}${route(
        "a",
        `  rules:
  - {name: q, matches: [{queryParams: [{name: a, value: "1"}]}], backendRefs: [{name: v1, port: 8080}]}
  - {name: h, matches: [{headers: [{name: a, value: "1"}]}], backendRefs: [{name: v1, port: 8080}]}
  - {name: m, matches: [{method: GET}], backendRefs: [{name: v1, port: 8080}]}
  - {name: long, matches: [{path: {value: /a/b}}], backendRefs: [{name: v1, port: 8080}]}`,
      )}${route("b", "  rules:\n  - {name: exact, matches: [{path: {type: Exact, value: /}}], backendRefs: [{name: v2, port: 8080}]}\n  - {name: short, matches: [{path: {value: /a}}], backendRefs: [{name: v2, port: 8080}]}")}`,
    );
    expect(routeNames(t, "*")).toEqual(["b/exact", "a/long", "b/short", "a/m", "a/h", "a/q"]);
  });

  it("breaks ties by the oldest creationTimestamp, then namespace/name, then rule order", () => {
    const rule = "  rules: [{backendRefs: [{name: v1, port: 8080}]}, {backendRefs: [{name: v2, port: 8080}]}]";
    const byName = table(`${GATEWAY}${route("b", rule)}${route("a", rule)}`);
    expect(routeNames(byName, "*")).toEqual(["a/rules[0]", "a/rules[1]", "b/rules[0]", "b/rules[1]"]);
    const byAge = table(`${GATEWAY}${route("b", rule, ", creationTimestamp: '2026-01-01T00:00:00Z'")}${route("a", rule, ", creationTimestamp: '2026-02-01T00:00:00Z'")}`);
    expect(routeNames(byAge, "*")).toEqual(["b/rules[0]", "b/rules[1]", "a/rules[0]", "a/rules[1]"]);
  });

  it("keeps consecutive matches of one rule in one table route, and names each match block", () => {
    const t = table(`${GATEWAY}${route("r", "  rules: [{matches: [{path: {value: /a}}, {path: {value: /b}}], backendRefs: [{name: v1, port: 8080}]}]")}`);
    expect(t.virtualHosts[0]!.routes).toHaveLength(1);
    expect(t.virtualHosts[0]!.routes[0]!.match).toEqual([
      { name: "matches[0]", uri: { prefix: "/a", wholeSegments: true }, headers: [], withoutHeaders: [], queryParams: [] },
      { name: "matches[1]", uri: { prefix: "/b", wholeSegments: true }, headers: [], withoutHeaders: [], queryParams: [] },
    ]);
  });
});

describe("matches, filters, timeouts and retry", () => {
  const one = (rule: string) => table(`${GATEWAY}${route("r", `  rules:\n  - ${rule}`)}`).virtualHosts[0]!.routes[0]!;

  it("reads header names case-insensitively, query parameter names exactly, and refuses what RE2 and JavaScript read differently", () => {
    expect(one("{matches: [{headers: [{name: X-Env, value: a}], queryParams: [{name: Animal, type: RegularExpression, value: 'w.*'}]}], backendRefs: [{name: v1, port: 8080}]}").match[0]).toMatchObject({
      headers: [{ name: "x-env", match: { exact: "a" } }],
      queryParams: [{ name: "Animal", match: { regex: "w.*" } }],
    });
    expect(messages(`${GATEWAY}${route("r", "  rules: [{matches: [{path: {type: RegularExpression, value: '(?<=a)b'}}]}]")}`).join("\n")).toContain("spec.rules[0].matches[0].path.value: regex");
    // RE2 syntax JavaScript reads differently is translated, as for VirtualService regexes.
    const re2 = one("{matches: [{headers: [{name: x-id, type: RegularExpression, value: '[[:digit:]]+'}]}], backendRefs: [{name: v1, port: 8080}]}").match[0]!.headers[0]!.match;
    expect(re2).toMatchObject({ regex: "[[:digit:]]+" });
    expect(re2).toHaveProperty("js");
    expect(messages(`${GATEWAY}${route("r", "  rules: [{matches: [{path: {type: Exact, value: a/b}}]}]")}`).join("\n")).toContain('spec.rules[0].matches[0].path.value: "a/b" must be an absolute path');
  });

  it("compiles the filters onto the route: headers, mirror percent / fraction, rewrite, CORS", () => {
    const r = one(`filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: "1"}], remove: [X-B]}}
    - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-C, value: "2"}]}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, percent: 20}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: v3, port: 8080}, fraction: {numerator: 1, denominator: 3}}}
    - {type: URLRewrite, urlRewrite: {hostname: internal.example.com, path: {type: ReplaceFullPath, replaceFullPath: /x}}}
    - {type: CORS, cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET]}}
    backendRefs: [{name: v1, port: 8080, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Only-V1, value: "1"}]}}]}]`);
    expect(r.headers).toEqual({ request: { set: { "x-a": "1" }, remove: ["x-b"] }, response: { add: { "x-c": "2" } } });
    expect(r.destinations[0]!.headers).toEqual({ request: { set: { "x-only-v1": "1" } } });
    expect(r.mirrors.map((m) => [m.cluster.name, m.perMillion])).toEqual([["v2", 200_000], ["v3", 333_333]]);
    expect(r.rewrite).toEqual({ authority: "internal.example.com", replaceFullPath: "/x" });
    expect(r.cors).toEqual({ allowOrigins: [{ regex: "https://.*\\.example\\.com" }], allowMethods: ["GET"], allowHeaders: [], exposeHeaders: [], allowCredentials: false, maxAgeSeconds: 5 });
  });

  it("converts a fraction as Istio does: through a percent, truncated (2/3 is 666 666 millionths, not 666 667)", () => {
    const r = one(`filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, fraction: {numerator: 2, denominator: 3}}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: v3, port: 8080}, fraction: {numerator: 1, denominator: 3000000}}}
    backendRefs: [{name: v1, port: 8080}]`);
    // the 1-in-3 000 000 mirror truncates to 0 and is dropped, as a 0 % one
    expect(r.mirrors.map((m) => [m.cluster.name, m.perMillion])).toEqual([["v2", 666_666]]);
  });

  it("compiles a redirect with Gateway API's defaults: 302, the scheme's own port", () => {
    expect(one("{matches: [{path: {value: /old}}], filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: example.org, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]}").redirect).toEqual({
      status: 302,
      schemeDefaultPort: true,
      scheme: "https",
      host: "example.org",
      replacePrefixMatch: "/new",
    });
  });

  it("maps timeouts.request to the route timeout and backendRequest to each try; 0s is none", () => {
    const r = one("{timeouts: {request: 2s, backendRequest: 500ms}, backendRefs: [{name: v1, port: 8080}]}");
    expect([r.timeoutMs, r.retries.perTryTimeoutMs, r.shadow.timeoutMs]).toEqual([2000, 500, 2000]);
    const off = one("{timeouts: {request: 0s}, backendRefs: [{name: v1, port: 8080}]}");
    expect([off.timeoutMs, off.shadow.timeoutMs]).toEqual([undefined, 25_000]);
    expect(messages(`${GATEWAY}${route("r", "  rules: [{timeouts: {request: 1s, backendRequest: 2s}}]")}`).join("\n")).toContain("spec.rules[0].timeouts.backendRequest: must not be longer than request");
    expect(messages(`${GATEWAY}${route("r", "  rules: [{timeouts: {request: 1.5s}}]")}`).join("\n")).toContain('spec.rules[0].timeouts.request: "1.5s" is not a Gateway API duration');
  });

  it("maps retry onto the retry executor: codes, attempts, backoff, and connection errors", () => {
    expect(one("{retry: {codes: [500, 502], attempts: 3, backoff: 100ms}, backendRefs: [{name: v1, port: 8080}]}").retries).toEqual({
      source: "route",
      attempts: 3,
      on: ["connect-failure", "reset", "retriable-status-codes"],
      statusCodes: [500, 502],
      backoffMs: 100,
    });
    // without backoff: Envoy's 25 ms base interval, filled in by the compiler
    expect(one("{retry: {attempts: 1}, backendRefs: [{name: v1, port: 8080}]}").retries.backoffMs).toBe(25);
  });

  it.each([
    ["an ExtensionRef filter", "{filters: [{type: ExtensionRef, extensionRef: {group: x, kind: y, name: z}}]}", "spec.rules[0].filters[0].extensionRef: cannot apply at the edge"],
    ["an unknown filter type", "{filters: [{type: Compress}]}", 'spec.rules[0].filters[0].type: unknown filter type "Compress"'],
    ["the same filter twice", "{filters: [{type: URLRewrite, urlRewrite: {hostname: a.example}}, {type: URLRewrite, urlRewrite: {hostname: b.example}}]}", "spec.rules[0].filters[1].type: URLRewrite appears twice"],
    ["a redirect and a rewrite together", "{filters: [{type: URLRewrite, urlRewrite: {hostname: a.example}}, {type: RequestRedirect, requestRedirect: {hostname: b.example}}]}", "spec.rules[0].filters: has both RequestRedirect and URLRewrite"],
    ["a filter's settings under another type", "{filters: [{type: RequestRedirect, urlRewrite: {hostname: a.example}}]}", "spec.rules[0].filters[0].urlRewrite: must not be set on a RequestRedirect filter"],
    ["ReplacePrefixMatch after an Exact match", "{matches: [{path: {type: Exact, value: /a}}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]}", "ReplacePrefixMatch needs every match of the rule to be a PathPrefix"],
    ["percent and fraction together", "{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, percent: 5, fraction: {numerator: 1}}}]}", "spec.rules[0].filters[0].requestMirror: takes percent or fraction, not both"],
    ["a fraction over 1", "{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, fraction: {numerator: 3, denominator: 2}}}]}", "fraction.numerator: must not exceed the denominator (3 > 2)"],
    ["a mirror on a redirect", "{filters: [{type: RequestRedirect, requestRedirect: {hostname: b.example}}, {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}}}]}", "has nothing to mirror"],
    ["Host set by a header filter", "{filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Host, value: x}]}}]}", "a Worker cannot set Host on a request to its origin"],
    ["two actions on one header", "{filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: '1'}], remove: [x-a]}}]}", 'header "x-a" already has a set action here'],
    ["a backend-level redirect", "{backendRefs: [{name: v1, port: 8080, filters: [{type: RequestRedirect, requestRedirect: {hostname: a.example}}]}]}", "a RequestRedirect filter on one backendRef is not supported yet"],
    ["sessionPersistence", "{sessionPersistence: {sessionName: s}}", "spec.rules[0].sessionPersistence: is a Gateway API field edge-mirror does not support yet"],
    ["a wildcard with credentials in CORS", "{filters: [{type: CORS, cors: {allowOrigins: ['*'], allowMethods: ['*'], allowCredentials: true}}]}", 'spec.rules[0].filters[0].cors.allowMethods: "*" with allowCredentials: true'],
  ])("refuses %s", (_, rule, message) => {
    expect(messages(`${GATEWAY}${route("r", `  rules:\n  - ${rule}`)}`).join("\n")).toContain(message);
  });
});

describe("MirrorPolicy targets an HTTPRoute", () => {
  const policy = (targetRef: string) => `---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: ${targetRef}
  hostSuffix: false
  sampleKey: {header: x-user}`;
  const rules = `  rules:
  - {name: checkout, matches: [{path: {value: /checkout}}], filters: [{type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}}}], backendRefs: [{name: v1, port: 8080}]}
  - {filters: [{type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}}}], backendRefs: [{name: v1, port: 8080}]}`;

  it("compiles each route's identity once: the HTTPRoute and the rule, which the report and the counts use as they are (issue 18)", () => {
    const compared = `${GATEWAY}${route("shop", `  hostnames: [shop.example.com]\n${rules}`)}${route("cart", `  hostnames: [shop.example.com]\n  rules:\n  - {matches: [{path: {value: /cart}}], filters: [{type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}}}], backendRefs: [{name: v1, port: 8080}]}`)}${policy("{kind: HTTPRoute, name: shop}")}\n  compare: {}`;
    const t = table(compared);
    // Both HTTPRoutes share the host's virtual host, named for the hostname, not for either route.
    const vhost = t.virtualHosts[t.hosts.exact["shop.example.com"]!]!;
    expect(vhost.name).toBe("shop.example.com");
    expect(vhost.routes.map((r) => [r.name, r.identity])).toEqual([
      ["shop/checkout", { virtualService: "shop", route: "checkout" }],
      ["cart/rules[0]", { virtualService: "cart", route: "rules[0]" }],
      ["shop/rules[1]", { virtualService: "shop", route: "rules[1]" }],
    ]);
    // The report's entries name the route by those parts (before: the name cut at the host name's length).
    expect(comparedRoutes(t).map((r) => [r.key, r.virtualService, r.route])).toEqual([
      ["shop/checkout -> v2", "shop", "checkout"],
      ["shop/rules[1] -> v2", "shop", "rules[1]"],
    ]);
  });

  it("shapes one rule by its name, or every rule of the route", () => {
    const byRule = table(`${GATEWAY}${route("shop", rules)}${policy("{kind: HTTPRoute, name: shop, rule: checkout}")}`).virtualHosts[0]!.routes;
    expect(byRule.map((r) => [r.name, r.shadow.hostSuffix, r.shadow.sampleKey])).toEqual([
      ["shop/checkout", false, { header: "x-user" }],
      ["shop/rules[1]", true, undefined],
    ]);
    const byRoute = table(`${GATEWAY}${route("shop", rules)}${policy("{kind: HTTPRoute, name: shop}")}`).virtualHosts[0]!.routes;
    expect(byRoute.map((r) => r.shadow.hostSuffix)).toEqual([false, false]);
  });

  it("says what is wrong with the target", () => {
    expect(messages(`${GATEWAY}${route("shop", rules)}${policy("{kind: HTTPRoute, name: cart}")}`).join("\n")).toContain('spec.targetRef.name: no HTTPRoute named "cart" (defined: shop)');
    expect(messages(`${GATEWAY}${route("shop", rules)}${policy("{kind: HTTPRoute, name: shop, rule: pay}")}`).join("\n")).toContain('spec.targetRef.rule: HTTPRoute shop has no rule named "pay" (named: checkout)');
    expect(messages(`${GATEWAY}${route("shop", rules)}${policy("{kind: Gateway, name: gw}")}`).join("\n")).toContain("spec.targetRef.kind: a MirrorPolicy targets a VirtualService or an HTTPRoute, not a Gateway");
    expect(messages(`${GATEWAY}${route("shop", rules)}${policy("{kind: HTTPRoute, name: shop, virtualService: vs}")}`).join("\n")).toContain("spec.targetRef.virtualService: cannot be combined with kind/name");
  });
});
