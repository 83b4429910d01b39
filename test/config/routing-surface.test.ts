// The compiler's validation of Istio's wider HTTP routing surface (headers, rewrite,
// retries, fault, redirect, directResponse, corsPolicy, match scheme/port),
// DestinationRule trafficPolicy, and the MirrorPolicy kind: every message with its
// field path, and what the accepted fields compile to.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";

const SERVICE_ENTRY = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports:
  - {number: 8000, name: http, protocol: HTTP}
  endpoints:
  - {address: 127.0.0.1, ports: {http: 9081}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: 9091}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: 9082}, labels: {version: v2}}`;

/** A DestinationRule for httpbin with subsets v1 and v2; `extra` is added under spec (indented 2). */
function destinationRule(extra = "", subsets = "  - {name: v1, labels: {version: v1}}\n  - {name: v2, labels: {version: v2}}"): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
${extra ? `${extra}\n` : ""}  subsets:
${subsets}`;
}

const BACKENDS = `${destinationRule()}\n---\n${SERVICE_ENTRY}`;

/** A VirtualService named vs for host httpbin, with the given http routes (indented YAML). */
function vs(http: string, backends = BACKENDS): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
spec:
  hosts: [httpbin]
  http:
${http}
---
${backends}`;
}

const ROUTE_V1 = `  - route:
    - destination: {host: httpbin, subset: v1}`;

function policy(name: string, spec: string): string {
  return `---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata:
  name: ${name}
spec:
${spec}`;
}

function messages(yaml: string, severity: "error" | "warning" = "error"): string[] {
  return compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem);
}

const errors = (yaml: string) => messages(yaml).join("\n");
const warnings = (yaml: string) => messages(yaml, "warning").join("\n");

function table(yaml: string) {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

const firstRoute = (yaml: string) => table(yaml).virtualHosts[0]!.routes[0]!;

describe("istio virtual_service.proto HTTPRoute: exactly one of route, redirect, directResponse", () => {
  it("route + redirect together is refused, with the fix", () => {
    const yaml = vs(`${ROUTE_V1}\n    redirect: {uri: /new}`);
    expect(messages(yaml)).toEqual([
      "routes.yaml:8:5 error: VirtualService vs: spec.http[0]: has route and redirect; an HTTP route takes exactly one of route, redirect, directResponse (Istio)\n" +
        "    fix: split them into separate http[] entries",
    ]);
  });

  it("redirect + directResponse together is refused", () => {
    expect(errors(vs(`  - redirect: {uri: /new}\n    directResponse: {status: 200}`))).toContain(
      "spec.http[0]: has redirect and directResponse; an HTTP route takes exactly one of route, redirect, directResponse (Istio)",
    );
  });

  it("a mirror on a redirect route has nothing to mirror", () => {
    const yaml = vs(`  - redirect: {uri: /new}\n    mirror: {host: httpbin, subset: v2}`);
    expect(messages(yaml)).toEqual([
      "routes.yaml:9:13 error: VirtualService vs: spec.http[0].mirror: has nothing to mirror: a redirect or directResponse route never reaches an upstream\n" +
        "    fix: move the mirror to a route with destinations",
    ]);
  });

  it("mirrors on a directResponse route has nothing to mirror either", () => {
    expect(errors(vs(`  - directResponse: {status: 200}\n    mirrors:\n    - destination: {host: httpbin, subset: v2}`))).toContain(
      "spec.http[0].mirrors: has nothing to mirror: a redirect or directResponse route never reaches an upstream",
    );
  });

  it("delegate is refused once, with the reason and the fix, and no second error that route is missing", () => {
    const found = messages(vs(`  - delegate: {name: reviews, namespace: nsA}`));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("fix: copy the http routes of the VirtualService it names in place of this entry");
  });

  it("a VirtualService with only tcp and tls routes gets one error naming both, not 'spec.http: is required'", () => {
    const yaml = vs(ROUTE_V1).replace(`  http:\n${ROUTE_V1}`, "  tcp: [{route: [{destination: {host: httpbin}}]}]\n  tls: [{match: [{sniHosts: [httpbin]}], route: [{destination: {host: httpbin}}]}]");
    const found = messages(yaml);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("spec.tcp: this VirtualService has only tcp and tls routes (Istio takes one of http, tcp, tls); the edge serves http routes only");
    expect(found[0]).toContain("fix: leave this VirtualService out of routes.yaml");
  });

  it("delegate is refused with the reason", () => {
    expect(errors(vs(`  - delegate: {name: reviews, namespace: nsA}`))).toContain(
      "spec.http[0].delegate: cannot apply at the edge: delegate VirtualServices are stitched together by istiod across namespaces; write the routes in this VirtualService",
    );
  });
});

describe("istio virtual_service.proto Headers", () => {
  it("compiles route-level and destination-level operations, header names lowercased", () => {
    const route = firstRoute(
      vs(`  - route:
    - destination: {host: httpbin, subset: v1}
      headers: {request: {set: {X-Dest: d}}, response: {remove: [X-Powered-By]}}
    headers:
      request: {set: {X-A: a}, add: {x-b: b}, remove: [X-C]}
      response: {add: {x-d: d}}`),
    );
    expect(route.headers).toEqual({ request: { set: { "x-a": "a" }, add: { "x-b": "b" }, remove: ["x-c"] }, response: { add: { "x-d": "d" } } });
    expect(route.destinations[0]!.headers).toEqual({ request: { set: { "x-dest": "d" } }, response: { remove: ["x-powered-by"] } });
  });

  it.each([
    ["spec.http[0].headers.request.set: a Worker cannot set Host on a request to its origin", `${ROUTE_V1}\n    headers: {request: {set: {Host: a.example}}}`],
    ["spec.http[0].headers.request.add: a Worker cannot set Host", `${ROUTE_V1}\n    headers: {request: {add: {":authority": a.example}}}`],
    ["spec.http[0].route[0].headers.request.remove: a Worker cannot set Host", `  - route:\n    - destination: {host: httpbin, subset: v1}\n      headers: {request: {remove: [host]}}`],
    ['spec.http[0].headers.request.append: unknown field "append"', `${ROUTE_V1}\n    headers: {request: {append: {x-a: b}}}`],
  ])("%#: %s", (expected, http) => {
    expect(errors(vs(http))).toContain(expected);
  });

  it("the Host refusal points to rewrite.authority", () => {
    expect(errors(vs(`${ROUTE_V1}\n    headers: {request: {set: {host: a.example}}}`))).toContain(
      "fix: use rewrite.authority, which edge-mirror sends as X-Forwarded-Host",
    );
  });
});

describe("istio virtual_service.proto HTTPRewrite", () => {
  it("uri + uriRegexRewrite together is refused (Istio)", () => {
    expect(errors(vs(`${ROUTE_V1}\n    rewrite: {uri: /v2, uriRegexRewrite: {match: ^/v1, rewrite: /v2}}`))).toContain(
      "spec.http[0].rewrite: may contain uri or uriRegexRewrite, not both (Istio)\n    fix: keep one of them",
    );
  });

  it.each([
    ["spec.http[0].rewrite.uriRegexRewrite.rewrite: is required", `${ROUTE_V1}\n    rewrite: {uriRegexRewrite: {match: ^/v1}}`],
    ["spec.http[0].rewrite.uriRegexRewrite.match: is required", `${ROUTE_V1}\n    rewrite: {uriRegexRewrite: {rewrite: /v2}}`],
    ['spec.http[0].rewrite.uriRegexRewrite.match: regex "^/(?=a)": lookahead/lookbehind is not RE2 syntax', `${ROUTE_V1}\n    rewrite: {uriRegexRewrite: {match: "^/(?=a)", rewrite: /b}}`],
    ['spec.http[0].rewrite.uriRegexRewrite.match: regex "[a" does not compile', `${ROUTE_V1}\n    rewrite: {uriRegexRewrite: {match: "[a", rewrite: /b}}`],
    ['spec.http[0].rewrite.host: unknown field "host"', `${ROUTE_V1}\n    rewrite: {host: a.example}`],
  ])("%#: %s", (expected, http) => {
    expect(errors(vs(http))).toContain(expected);
  });

  it("compiles uri, uriRegexRewrite and authority", () => {
    expect(firstRoute(vs(`${ROUTE_V1}\n    rewrite: {uri: /v2, authority: internal.example}`)).rewrite).toEqual({ uri: "/v2", authority: "internal.example" });
    expect(firstRoute(vs(`${ROUTE_V1}\n    rewrite: {uriRegexRewrite: {match: "^/old/(.*)$", rewrite: "/new/\\\\1"}}`)).rewrite).toEqual({
      uriRegex: { match: "^/old/(.*)$", rewrite: "/new/\\1" },
    });
  });
});

describe("istio virtual_service.proto HTTPRetry", () => {
  it("an unknown retryOn condition is refused with the list of known ones", () => {
    expect(errors(vs(`${ROUTE_V1}\n    retries: {attempts: 2, retryOn: "5xx,gateway-eror"}`))).toContain(
      'spec.http[0].retries.retryOn: unknown retryOn condition "gateway-eror"\n    fix: use 5xx, gateway-error, reset, connect-failure, retriable-4xx, retriable-status-codes, envoy-ratelimited, status codes like 503, or one of Istio\'s other conditions (reset-before-request, refused-stream, http3-post-connect-failure, retriable-headers, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)',
    );
  });

  it("a condition fetch() cannot observe is accepted with a warning that says why it never triggers", () => {
    const yaml = vs(`${ROUTE_V1}\n    retries: {attempts: 2, retryOn: "5xx,refused-stream"}`);
    expect(errors(yaml)).toBe("");
    expect(warnings(yaml)).toContain('spec.http[0].retries.retryOn: retryOn "refused-stream" never triggers a retry here: an HTTP/2 REFUSED_STREAM is not visible through fetch()');
  });

  it("absent retryOn (Istio's default list, which names gRPC conditions) gives no warning", () => {
    expect(messages(vs(`${ROUTE_V1}\n    retries: {attempts: 2}`), "warning")).toEqual([]);
  });

  it.each([
    ["spec.http[0].retries.attempts: must be a whole number from 0 to 10, found 11", `${ROUTE_V1}\n    retries: {attempts: 11}`],
    ["spec.http[0].retries.attempts: must be a whole number from 0 to 10, found 1.5", `${ROUTE_V1}\n    retries: {attempts: 1.5}`],
    ['spec.http[0].retries.retryOn: is set, but attempts is absent (0), which turns retries off (Istio: "http retry policy configured when attempts are set to 0 (disabled)")', `${ROUTE_V1}\n    retries: {retryOn: 5xx}`],
    ['spec.http[0].retries.perTryTimeout: "fast" is not a duration', `${ROUTE_V1}\n    retries: {attempts: 1, perTryTimeout: fast}`],
    ["spec.http[0].retries.retryRemoteLocalities: is an Istio field edge-mirror does not support yet (planned)", `${ROUTE_V1}\n    retries: {attempts: 1, retryRemoteLocalities: true}`],
  ])("%#: %s", (expected, http) => {
    expect(errors(vs(http))).toContain(expected);
  });

  it('compiles status codes in retryOn into retriable-status-codes (Istio parseRetryOn): "5xx,503"', () => {
    expect(firstRoute(vs(`${ROUTE_V1}\n    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,503"}`)).retries).toEqual({
      source: "route",
      attempts: 3,
      on: ["5xx", "retriable-status-codes"],
      statusCodes: [503],
      perTryTimeoutMs: 2000,
      // no backoff: Envoy's 25 ms base interval, filled in here so the worker has no default of its own
      backoffMs: 25,
    });
  });
});

describe("istio virtual_service.proto HTTPFaultInjection", () => {
  it("a fault without percentage is accepted with a warning: Istio injects it into no request", () => {
    const yaml = vs(`${ROUTE_V1}\n    fault: {abort: {httpStatus: 503}, delay: {fixedDelay: 1s}}`);
    expect(errors(yaml)).toBe("");
    const found = warnings(yaml);
    expect(found).toContain("spec.http[0].fault.abort: has no percentage: Istio injects this fault into no request\n    fix: add percentage: {value: 100} to inject it into every request");
    expect(found).toContain("spec.http[0].fault.delay: has no percentage: Istio injects this fault into no request");
    expect(firstRoute(yaml).fault).toEqual({ delay: { ms: 1000, perMillion: 0 }, abort: { status: 503, perMillion: 0 } });
  });

  it("compiles percentages to millionths (0.0001 % steps) and the deprecated integer percent with a warning", () => {
    const yaml = vs(`${ROUTE_V1}\n    fault: {delay: {fixedDelay: 5s, percent: 10}, abort: {httpStatus: 418, percentage: {value: 0.0001}}}`);
    expect(warnings(yaml)).toContain("spec.http[0].fault.delay.percent: percent is deprecated in Istio\n    fix: use percentage: {value: N}");
    expect(firstRoute(yaml).fault).toEqual({ delay: { ms: 5000, perMillion: 100_000 }, abort: { status: 418, perMillion: 1 } });
  });

  it.each([
    ["spec.http[0].fault.abort.grpcStatus: cannot apply at the edge: a Worker answers HTTP, not gRPC status", `${ROUTE_V1}\n    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 1}}}`],
    ["spec.http[0].fault.abort.http2Error: cannot apply at the edge: a Worker cannot reset an HTTP/2 stream", `${ROUTE_V1}\n    fault: {abort: {http2Error: CANCEL, percentage: {value: 1}}}`],
    ["spec.http[0].fault.abort.httpStatus: is required", `${ROUTE_V1}\n    fault: {abort: {percentage: {value: 1}}}`],
    ["spec.http[0].fault.abort.httpStatus: must be an HTTP status 200..599, found 99", `${ROUTE_V1}\n    fault: {abort: {httpStatus: 99, percentage: {value: 1}}}`],
    ["spec.http[0].fault.abort.percentage.value: must be between 0 and 100, found 150", `${ROUTE_V1}\n    fault: {abort: {httpStatus: 503, percentage: {value: 150}}}`],
    ["spec.http[0].fault.delay.fixedDelay: is required", `${ROUTE_V1}\n    fault: {delay: {percentage: {value: 1}}}`],
    ["spec.http[0].fault.delay.exponentialDelay: is an Istio field edge-mirror does not support yet (planned)", `${ROUTE_V1}\n    fault: {delay: {exponentialDelay: 1s, percentage: {value: 1}}}`],
    ["spec.http[0].fault.delay.percent: must be a whole number from 0 to 100, found 2.5", `${ROUTE_V1}\n    fault: {delay: {fixedDelay: 1s, percent: 2.5}}`],
  ])("%#: %s", (expected, http) => {
    expect(errors(vs(http))).toContain(expected);
  });
});

describe("istio virtual_service.proto HTTPRedirect and HTTPDirectResponse", () => {
  it("compiles a redirect (301 by default) and a directResponse", () => {
    const t = table(vs(`  - match: [{uri: {exact: /a}}]\n    redirect: {uri: /b}\n  - match: [{uri: {exact: /c}}]\n    redirect: {authority: x.example, scheme: https, port: 8443, redirectCode: 308}\n  - directResponse: {status: 200, body: {string: ok}}`));
    const [a, b, c] = t.virtualHosts[0]!.routes;
    expect(a).toMatchObject({ redirect: { uri: "/b", status: 301 }, destinations: [], mirrors: [] });
    expect(b!.redirect).toEqual({ authority: "x.example", scheme: "https", port: 8443, status: 308 });
    expect(c).toMatchObject({ directResponse: { status: 200, body: "ok" }, destinations: [] });
  });

  it.each([
    ["spec.http[0].redirect.redirectCode: must be one of 301, 302, 303, 307, 308, found 305", `  - redirect: {uri: /b, redirectCode: 305}`],
    ['spec.http[0].redirect.scheme: must be http or https, found "ftp"', `  - redirect: {scheme: ftp}`],
    ["spec.http[0].redirect.port: must be a port number 1..65535, found 0", `  - redirect: {port: 0}`],
    ["spec.http[0].redirect.derivePort: is an Istio field edge-mirror does not support yet (planned)", `  - redirect: {derivePort: FROM_REQUEST_PORT}`],
    ["spec.http[0].directResponse.status: is required", `  - directResponse: {body: {string: x}}`],
    ["spec.http[0].directResponse.status: must be an HTTP status 200..599, found 99", `  - directResponse: {status: 99}`],
    ["spec.http[0].directResponse.body.bytes: is an Istio field edge-mirror does not support yet (planned)", `  - directResponse: {status: 200, body: {bytes: aGVsbG8=}}`],
  ])("%#: %s", (expected, http) => {
    expect(errors(vs(http))).toContain(expected);
  });
});

describe("istio virtual_service.proto CorsPolicy", () => {
  it("compiles allowOrigins, methods, headers, maxAge (seconds) and credentials", () => {
    const cors = firstRoute(
      vs(`${ROUTE_V1}\n    corsPolicy: {allowOrigins: [{exact: "https://a.example"}, {regex: "https://.*"}], allowMethods: [GET], allowHeaders: [x-a], exposeHeaders: [x-b], maxAge: 24h, allowCredentials: true}`),
    ).cors;
    expect(cors).toEqual({
      // An Origin header could hold U+2028, which JavaScript's `.` skips and RE2's does not (src/config/re2.ts).
      allowOrigins: [{ exact: "https://a.example" }, { regex: "https://.*", js: "https://[^\\n]*" }],
      allowMethods: ["GET"],
      allowHeaders: ["x-a"],
      exposeHeaders: ["x-b"],
      maxAgeSeconds: 86400,
      allowCredentials: true,
    });
  });

  it("deprecated allowOrigin is accepted with a warning; * becomes a match-all regex", () => {
    const yaml = vs(`${ROUTE_V1}\n    corsPolicy: {allowOrigin: ["*", "https://b.example"]}`);
    expect(warnings(yaml)).toContain("spec.http[0].corsPolicy.allowOrigin: allowOrigin is deprecated in Istio\n    fix: use allowOrigins: [{exact: https://example.com}]");
    expect(firstRoute(yaml).cors!.allowOrigins).toEqual([{ regex: ".*" }, { exact: "https://b.example" }]);
  });

  it.each([
    ["spec.http[0].corsPolicy.unmatchedPreflights: is an Istio field edge-mirror does not support yet (Istio 1.23)", `${ROUTE_V1}\n    corsPolicy: {unmatchedPreflights: IGNORE}`],
    ['spec.http[0].corsPolicy.maxAge: "a day" is not a duration', `${ROUTE_V1}\n    corsPolicy: {maxAge: a day}`],
    ["spec.http[0].corsPolicy.allowOrigins[0]: needs one of exact, prefix or regex", `${ROUTE_V1}\n    corsPolicy: {allowOrigins: [{}]}`],
  ])("%#: %s", (expected, http) => {
    expect(errors(vs(http))).toContain(expected);
  });
});

describe("istio virtual_service.proto HTTPMatchRequest scheme and port", () => {
  it("compiles scheme and port into the match block", () => {
    const route = firstRoute(vs(`  - match: [{scheme: {exact: https}, port: 8443}]\n    route: [{destination: {host: httpbin, subset: v1}}]`));
    expect(route.match).toEqual([{ scheme: { exact: "https" }, port: 8443, headers: [], withoutHeaders: [], queryParams: [] }]);
  });

  it("a non-integer port is refused", () => {
    expect(errors(vs(`  - match: [{port: 80.5}]\n    route: [{destination: {host: httpbin, subset: v1}}]`))).toContain(
      "spec.http[0].match[0].port: must be a port number 1..65535, found 80.5",
    );
  });
});

describe("istio destination_rule.proto TrafficPolicy", () => {
  const withRule = (extra: string, subsets?: string) => vs(ROUTE_V1, `${destinationRule(extra, subsets)}\n---\n${SERVICE_ENTRY}`);

  it.each([
    ["spec.trafficPolicy.tunnel: cannot apply at the edge: a Worker cannot tunnel through an egress proxy", "  trafficPolicy: {tunnel: {targetHost: proxy.example.com}}"],
    ["spec.trafficPolicy.proxyProtocol: cannot apply at the edge: a Worker cannot send PROXY protocol headers", "  trafficPolicy: {proxyProtocol: {version: V2}}"],
    ["spec.trafficPolicy.tls.mode: MUTUAL is not supported yet: a Worker presents a client certificate only through an mTLS certificate binding", "  trafficPolicy: {tls: {mode: MUTUAL}}"],
    ["spec.trafficPolicy.loadBalancer.simple: PASSTHROUGH forwards to the address the client connected to, which at the edge is the worker itself\n    fix: use ROUND_ROBIN or RANDOM across the ServiceEntry's endpoints", "  trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}"],
    ["spec.trafficPolicy.loadBalancer: takes simple or consistentHash, not both (Istio)", "  trafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {httpHeaderName: x-user}}}"],
    ["spec.trafficPolicy.loadBalancer.consistentHash: needs exactly one of httpHeaderName, httpCookie, httpQueryParameterName, useSourceIp", "  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}}"],
    ["spec.trafficPolicy.loadBalancer.consistentHash.ringHash: is an Istio field edge-mirror does not support yet", "  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 1024}}}}"],
    ["spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl: is an Istio field edge-mirror does not support yet (planned (Envoy would set the cookie))", "  trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: s, ttl: 0s}}}}"],
    ["spec.trafficPolicy.loadBalancer.localityLbSetting: cannot apply at the edge: Istio weighs and fails over endpoints by the locality of the calling proxy", "  trafficPolicy: {loadBalancer: {simple: RANDOM, localityLbSetting: {enabled: true}}}"],
  ])("%#: %s", (expected, extra) => {
    expect(errors(withRule(extra))).toContain(expected);
  });

  it("connectionPool / outlierDetection in a subset's trafficPolicy are accepted with a warning saying what is not done", () => {
    const yaml = withRule("", "  - name: v1\n    labels: {version: v1}\n    trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}, connectionPool: {http: {http1MaxPendingRequests: 1}}}\n  - {name: v2, labels: {version: v2}}");
    expect(errors(yaml)).toBe("");
    expect(warnings(yaml)).toContain("spec.subsets[0].trafficPolicy.outlierDetection: is not applied at the edge (consecutive5xxErrors): a Worker keeps no state across requests");
    expect(warnings(yaml)).toContain("spec.subsets[0].trafficPolicy.connectionPool: is not applied at the edge (http.http1MaxPendingRequests): Cloudflare opens, pools and times out");
  });

  it.each(["LEAST_REQUEST", "LEAST_CONN"])("simple %s is accepted with a warning and compiles to RANDOM", (simple) => {
    const yaml = withRule(`  trafficPolicy: {loadBalancer: {simple: ${simple}}}`);
    expect(errors(yaml)).toBe("");
    expect(warnings(yaml)).toContain(
      `spec.trafficPolicy.loadBalancer.simple: ${simple} needs a view of outstanding requests a Worker does not have; RANDOM is used (Envoy's LEAST_REQUEST picks between two random origins)`,
    );
    expect(firstRoute(yaml).destinations[0]!.cluster.lb).toEqual({ simple: "RANDOM" });
  });

  it("a subset's loadBalancer overrides the DestinationRule's; other subsets inherit it", () => {
    const yaml = vs(
      `  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 50\n    - destination: {host: httpbin, subset: v2}\n      weight: 50`,
      `${destinationRule(
        "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}",
        "  - name: v1\n    labels: {version: v1}\n    trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: X-User}}}\n  - {name: v2, labels: {version: v2}}",
      )}\n---\n${SERVICE_ENTRY}`,
    );
    const [v1, v2] = firstRoute(yaml).destinations.map((d) => d.cluster);
    expect(v1).toEqual({ name: "httpbin/v1", origins: ["http://127.0.0.1:9081", "http://127.0.0.1:9091"], lb: { hash: { header: "x-user" } } });
    expect(v2).toEqual({ name: "httpbin/v2", origins: ["http://127.0.0.1:9082"], lb: { simple: "ROUND_ROBIN" } });
  });

  it.each([
    ["{httpCookie: {name: session}}", { hash: { cookie: "session" } }],
    ["{httpQueryParameterName: uid}", { hash: { query: "uid" } }],
    ["{useSourceIp: true}", { hash: { header: "cf-connecting-ip" } }],
  ])("consistentHash %s compiles to its hash key", (hash, lb) => {
    expect(firstRoute(withRule(`  trafficPolicy: {loadBalancer: {consistentHash: ${hash}}}`)).destinations[0]!.cluster.lb).toEqual(lb);
  });
});

describe("MirrorPolicy (edge-mirror.dev/v1alpha1)", () => {
  const VS_NAMED = vs(`  - name: canary\n    match: [{uri: {prefix: /canary}}]\n    route: [{destination: {host: httpbin, subset: v1}}]\n    mirror: {host: httpbin, subset: v2}\n  - name: default\n    route: [{destination: {host: httpbin, subset: v1}}]\n    mirror: {host: httpbin, subset: v2}`);

  it("compiles every setting onto the routes it targets; names lowercased", () => {
    const yaml = `${VS_NAMED}\n${policy(
      "p",
      "  targetRef: {virtualService: vs}\n  hostSuffix: false\n  bodyCapBytes: 65536\n  shadowHeaders: {remove: [Authorization], set: {X-Shadow: \"1\"}}\n  methods: [get, HEAD]\n  sampleKey: {header: X-User}",
    )}`;
    const routes = table(yaml).virtualHosts[0]!.routes;
    const expected = { hostSuffix: false, bodyCapBytes: 65536, removeHeaders: ["authorization"], setHeaders: { "x-shadow": "1" }, methods: ["GET", "HEAD"], sampleKey: { header: "x-user" }, timeoutMs: 25_000 };
    expect(routes[0]!.shadow).toEqual(expected);
    expect(routes[1]!.shadow).toEqual(expected);
  });

  it("a policy naming a route beats one for the whole VirtualService; other routes keep the VirtualService-wide one", () => {
    const yaml = `${VS_NAMED}\n${policy("one", "  targetRef: {virtualService: vs, route: canary}\n  sampleKey: {cookie: session}")}\n${policy("all", "  targetRef: {virtualService: vs}\n  hostSuffix: false")}`;
    const [canary, rest] = table(yaml).virtualHosts[0]!.routes;
    expect(canary!.shadow).toMatchObject({ hostSuffix: true, sampleKey: { cookie: "session" } });
    expect(rest!.shadow).toMatchObject({ hostSuffix: false });
    expect(rest!.shadow!.sampleKey).toBeUndefined();
  });

  it("routes without a MirrorPolicy get Istio's defaults, filled in by the compiler (the runtime has none of its own)", () => {
    const yaml = `${VS_NAMED}\n${policy("one", "  targetRef: {virtualService: vs, route: canary}\n  sampleKey: {queryParam: uid}")}`;
    const [canary, rest] = table(yaml).virtualHosts[0]!.routes;
    expect(canary!.shadow!.sampleKey).toEqual({ query: "uid" });
    expect(rest!.shadow).toEqual({ hostSuffix: true, bodyCapBytes: 1024 * 1024, removeHeaders: [], setHeaders: {}, timeoutMs: 25_000 });
  });

  it("every route carries the retries in force: its own, or Istio's default policy (pilot retry DefaultPolicy)", () => {
    const [canary] = table(VS_NAMED).virtualHosts[0]!.routes;
    // Since Istio 1.24 the default lists no retriable status code (istio/istio#52111).
    expect(canary!.retries).toEqual({ source: "istio-default", attempts: 2, on: ["connect-failure"], statusCodes: [], backoffMs: 25 });
  });

  it("a route's shadows are cut off at the route timeout, else after 25 s", () => {
    const yaml = vs(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    timeout: 3s`);
    expect(firstRoute(yaml).shadow.timeoutMs).toBe(3000);
  });

  it("targeting an unknown VirtualService is refused, listing the defined ones", () => {
    expect(messages(`${VS_NAMED}\n${policy("p", "  targetRef: {virtualService: nope}")}`)).toEqual([
      expect.stringContaining('error: MirrorPolicy p: spec.targetRef.virtualService: no VirtualService named "nope" (defined: vs)\n    fix: name a VirtualService of this file'),
    ]);
  });

  it("targeting an unknown route name is refused, listing the named routes", () => {
    expect(errors(`${VS_NAMED}\n${policy("p", "  targetRef: {virtualService: vs, route: canry}")}`)).toContain(
      'MirrorPolicy p: spec.targetRef.route: VirtualService vs has no http route named "canry" (named: canary, default)\n' +
        "    fix: give the route a name: in the VirtualService, or leave route out to cover every route",
    );
    expect(errors(`${vs(ROUTE_V1)}\n${policy("p", "  targetRef: {virtualService: vs, route: canary}")}`)).toContain(
      'VirtualService vs has no http route named "canary" (named: none)',
    );
  });

  it("two policies on the same routes are refused (whole VirtualService, or the same named route)", () => {
    expect(errors(`${VS_NAMED}\n${policy("a", "  targetRef: {virtualService: vs}")}\n${policy("b", "  targetRef: {virtualService: vs}\n  hostSuffix: false")}`)).toContain(
      "MirrorPolicy b: spec.targetRef: targets the same routes as MirrorPolicy a\n    fix: merge the two policies",
    );
    expect(errors(`${VS_NAMED}\n${policy("a", "  targetRef: {virtualService: vs, route: canary}")}\n${policy("b", "  targetRef: {virtualService: vs, route: canary}")}`)).toContain(
      "MirrorPolicy b: spec.targetRef: targets the same routes as MirrorPolicy a",
    );
  });

  it.each([
    ["MirrorPolicy p: spec.targetRef: is required", "  hostSuffix: false"],
    ["MirrorPolicy p: spec.targetRef.virtualService: is required", "  targetRef: {route: canary}"],
    ['MirrorPolicy p: spec.targetRef.namespace: unknown field "namespace"', "  targetRef: {virtualService: vs, namespace: default}"],
    ['MirrorPolicy p: spec.methods[0]: "FETCH" is not an HTTP method edge-mirror mirrors', "  targetRef: {virtualService: vs}\n  methods: [FETCH]"],
    ["MirrorPolicy p: spec.bodyCapBytes: must be a whole number of bytes from 0 to 16777216 (16 MiB), found 20000000", "  targetRef: {virtualService: vs}\n  bodyCapBytes: 20000000"],
    ["MirrorPolicy p: spec.sampleKey: needs exactly one of header, cookie, queryParam", "  targetRef: {virtualService: vs}\n  sampleKey: {header: x-user, cookie: session}"],
    ['MirrorPolicy p: spec.hostSufix: unknown field "hostSufix"\n    fix: did you mean "hostSuffix"?', "  targetRef: {virtualService: vs}\n  hostSufix: false"],
    ["MirrorPolicy p: spec.hostSuffix: must be true or false", "  targetRef: {virtualService: vs}\n  hostSuffix: \"no\""],
  ])("%#: %s", (expected, spec) => {
    expect(errors(`${VS_NAMED}\n${policy("p", spec)}`)).toContain(expected);
  });

  it("refuses an unknown apiVersion or kind in edge-mirror.dev", () => {
    const v1 = `${VS_NAMED}\n${policy("p", "  targetRef: {virtualService: vs}")}`.replace("edge-mirror.dev/v1alpha1", "edge-mirror.dev/v1");
    expect(errors(v1)).toContain('apiVersion: unsupported apiVersion "edge-mirror.dev/v1"\n    fix: use edge-mirror.dev/v1alpha1');
    const kind = `${VS_NAMED}\n${policy("p", "  targetRef: {virtualService: vs}")}`.replace("kind: MirrorPolicy", "kind: ShadowPolicy");
    expect(errors(kind)).toContain('unknown kind "ShadowPolicy" in edge-mirror.dev\n    fix: the edge-mirror kind is MirrorPolicy');
  });
});
