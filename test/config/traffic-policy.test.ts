// DestinationRule trafficPolicy beyond the load balancer: tls (SIMPLE = HTTPS to the
// origin, DISABLE, the refused mutual modes), portLevelSettings and subsets merged
// as Istio merges them, and connectionPool / outlierDetection accepted with a
// warning that says what the edge does not do.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import type { Cluster } from "../../src/routing/table";

/** A ServiceEntry `api` with endpoints v1 and v2 on the given ports (YAML flow list). */
function serviceEntry(ports = "[{number: 80, name: http, protocol: HTTP}]", endpointPorts = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api}
spec:
  hosts: [api]
  resolution: DNS
  ports: ${ports}
  endpoints:
  - {address: v1.example.com, labels: {version: v1}${endpointPorts}}
  - {address: v2.example.com, labels: {version: v2}}`;
}

/** A DestinationRule for api; `policy` goes under spec (indented 2), `v1Policy` under subset v1's trafficPolicy. */
function destinationRule(policy = "", v1Policy = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api}
spec:
  host: api
${policy ? `${policy}\n` : ""}  subsets:
  - name: v1
    labels: {version: v1}${v1Policy ? `\n    trafficPolicy: ${v1Policy}` : ""}
  - {name: v2, labels: {version: v2}}`;
}

/** One route per cluster: v1 on each declared port, then v2 on the first; every route is compiled, so each cluster can be inspected. */
function virtualService(ports: number[]): string {
  const routes = [...ports.map((port) => ["v1", port] as const), ["v2", ports[0]!] as const];
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.example.com]
  http:
${routes.map(([subset, port], i) => `  - match: [{headers: {x-route: {exact: "${i}"}}}]\n    route: [{destination: {host: api, subset: ${subset}, port: {number: ${port}}}}]`).join("\n")}`;
}

function compile(policy: string, v1Policy = "", ports?: string, endpointPorts?: string) {
  const numbers = [...(ports ?? "number: 80").matchAll(/number: (\d+)/g)].map((m) => Number(m[1]));
  return compileRoutes([virtualService(numbers), destinationRule(policy, v1Policy), serviceEntry(ports, endpointPorts)].join("\n---\n"));
}

/** The clusters of the routes: v1 on each declared port, then v2 on the first. */
function clusters(policy: string, v1Policy = "", ports?: string, endpointPorts?: string): Cluster[] {
  const result = compile(policy, v1Policy, ports, endpointPorts);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table.virtualHosts[0]!.routes.map((r) => r.destinations[0]!.cluster);
}

const origins = (...args: Parameters<typeof clusters>) => clusters(...args).map((c) => `${c.name} ${c.origins[0]}`);
const problems = (severity: "error" | "warning", ...args: Parameters<typeof compile>) =>
  compile(...args).problems.filter((p) => p.severity === severity).map(formatProblem).join("\n");

describe("trafficPolicy.tls: how the worker reaches the origin", () => {
  it("without tls an HTTP port is reached over plain HTTP", () => {
    expect(origins("")).toEqual(["api/v1 http://v1.example.com", "api/v2 http://v2.example.com"]);
  });

  it("mode SIMPLE originates TLS: https://, the ServiceEntry's port kept (80 here, as Istio would connect to it)", () => {
    expect(origins("  trafficPolicy: {tls: {mode: SIMPLE}}")).toEqual(["api/v1 https://v1.example.com:80", "api/v2 https://v2.example.com:80"]);
  });

  it("mode SIMPLE with targetPort 443 (istio.io's TLS origination task): https on the default port", () => {
    expect(origins("  trafficPolicy: {tls: {mode: SIMPLE}}", "", "[{number: 80, name: http, protocol: HTTP, targetPort: 443}]")).toEqual([
      "api/v1 https://v1.example.com",
      "api/v2 https://v2.example.com",
    ]);
  });

  it("an endpoint's own port wins over targetPort, which wins over the port number", () => {
    expect(origins("", "", "[{number: 80, name: http, protocol: HTTP, targetPort: 8080}]", ", ports: {http: 9090}")).toEqual([
      "api/v1 http://v1.example.com:9090",
      "api/v2 http://v2.example.com:8080",
    ]);
  });

  it("mode DISABLE adds no TLS: an HTTP port stays plain HTTP, an HTTPS port is TLS already", () => {
    expect(origins("  trafficPolicy: {tls: {mode: DISABLE}}")).toEqual(["api/v1 http://v1.example.com", "api/v2 http://v2.example.com"]);
    expect(origins("  trafficPolicy: {tls: {mode: DISABLE}}", "", "[{number: 443, name: https, protocol: HTTPS}]")).toEqual([
      "api/v1 https://v1.example.com",
      "api/v2 https://v2.example.com",
    ]);
  });

  it("a subset's tls overrides the rule's (Istio merges field by field)", () => {
    expect(origins("  trafficPolicy: {tls: {mode: SIMPLE}, loadBalancer: {simple: ROUND_ROBIN}}", "{tls: {mode: DISABLE}}")).toEqual([
      "api/v1 http://v1.example.com",
      "api/v2 https://v2.example.com:80",
    ]);
    // The subset set only tls: it keeps the rule's load balancer.
    expect(clusters("  trafficPolicy: {tls: {mode: SIMPLE}, loadBalancer: {simple: ROUND_ROBIN}}", "{tls: {mode: DISABLE}}")[0]!.lb).toEqual({ simple: "ROUND_ROBIN" });
  });

  it("portLevelSettings apply to their port only, and replace the policy's settings there: fields they leave out fall back to defaults", () => {
    const ports = "[{number: 8080, name: http, protocol: HTTP}, {number: 443, name: http-tls, protocol: HTTP}]";
    const policy = "  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: SIMPLE}";
    const [v1On8080, v1On443] = clusters(policy, "", ports);
    expect(v1On443!.origins).toEqual(["https://v1.example.com"]);
    expect(v1On443!.lb).toBeUndefined();
    expect(v1On8080!.origins).toEqual(["http://v1.example.com:8080"]);
    expect(v1On8080!.lb).toEqual({ simple: "ROUND_ROBIN" });
  });

  it("a subset's portLevelSettings replace every setting of the rule for that port (Istio's MergeSubsetTrafficPolicy)", () => {
    const ports = "[{number: 8080, name: http, protocol: HTTP}, {number: 443, name: http-tls, protocol: HTTP}]";
    const [v1On8080, v1On443] = clusters("  trafficPolicy: {tls: {mode: SIMPLE}, loadBalancer: {simple: ROUND_ROBIN}}", "{portLevelSettings: [{port: {number: 443}, tls: {mode: DISABLE}}]}", ports);
    expect(v1On443!.origins).toEqual(["http://v1.example.com:443"]);
    expect(v1On443!.lb).toBeUndefined();
    expect(v1On8080!.origins).toEqual(["https://v1.example.com:8080"]);
  });

  it("two portLevelSettings for one port are an error", () => {
    expect(problems("error", "  trafficPolicy:\n    portLevelSettings:\n    - {port: {number: 80}, tls: {mode: SIMPLE}}\n    - {port: {number: 80}}")).toContain(
      "spec.trafficPolicy.portLevelSettings[1].port: port 80 already has portLevelSettings",
    );
  });

  it("sni and the certificate checks are accepted with a warning saying what Cloudflare does instead", () => {
    const policy = "  trafficPolicy: {tls: {mode: SIMPLE, sni: api.internal, caCertificates: /etc/ca.pem, insecureSkipVerify: true}}";
    expect(problems("error", policy)).toBe("");
    const warnings = problems("warning", policy);
    expect(warnings).toContain("spec.trafficPolicy.tls.sni: is not sent: a Worker's fetch() sends the origin URL's host name as SNI");
    expect(warnings).toContain("spec.trafficPolicy.tls: caCertificates, insecureSkipVerify: not applied; Cloudflare, not the worker, verifies the origin's certificate");
  });

  it("MUTUAL is not supported yet, with the Workers mTLS binding it would need", () => {
    const error = compile("  trafficPolicy: {tls: {mode: MUTUAL, credentialName: client-cert}}").problems.find((p) => p.path === "spec.trafficPolicy.tls.mode");
    expect(error?.message).toContain("MUTUAL is not supported yet: a Worker presents a client certificate only through an mTLS certificate binding ([[mtls_certificates]] in wrangler.toml");
  });

  it("ISTIO_MUTUAL is refused: the worker holds no mesh certificate", () => {
    expect(problems("error", "", "{tls: {mode: ISTIO_MUTUAL}}")).toContain(
      "spec.subsets[0].trafficPolicy.tls.mode: ISTIO_MUTUAL uses the certificates istiod issues to mesh workloads, and the worker is not one",
    );
  });

  it("an unknown mode and a typo are errors", () => {
    expect(problems("error", "  trafficPolicy: {tls: {mode: STRICT}}")).toContain('spec.trafficPolicy.tls.mode: unknown TLS mode "STRICT"\n    fix: use one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL');
    expect(problems("error", "  trafficPolicy: {tls: {mode: SIMPLE, snii: x}}")).toContain('spec.trafficPolicy.tls.snii: unknown field "snii"\n    fix: did you mean "sni"?');
  });
});

describe("connectionPool and outlierDetection: accepted, with what the edge does not do", () => {
  it("connectionPool: nothing is enforced, so nothing is queued or answered 503", () => {
    const policy = "  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: 100, connectTimeout: 30ms}\n      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}";
    expect(problems("error", policy)).toBe("");
    expect(problems("warning", policy)).toContain(
      "spec.trafficPolicy.connectionPool: is not applied at the edge (tcp.maxConnections, tcp.connectTimeout, http.http1MaxPendingRequests, http.maxRequestsPerConnection): Cloudflare opens, pools and times out the worker's connections to origins, so no limit is enforced: requests over it are forwarded, never queued or answered 503 as Envoy's circuit breaker would",
    );
  });

  it("outlierDetection: no origin is ejected", () => {
    const policy = "  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m}";
    expect(problems("error", policy)).toBe("");
    expect(problems("warning", policy)).toContain(
      "spec.trafficPolicy.outlierDetection: is not applied at the edge (consecutive5xxErrors, interval, baseEjectionTime): a Worker keeps no state across requests, so an origin that answers errors is not ejected and keeps its share of requests",
    );
  });

  it("in portLevelSettings too, and the rest of the file still builds", () => {
    const policy = "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n      connectionPool: {http: {http2MaxRequests: 1000}}";
    expect(problems("warning", policy)).toContain("spec.trafficPolicy.portLevelSettings[0].connectionPool: is not applied at the edge (http.http2MaxRequests)");
    expect(origins(policy)).toEqual(["api/v1 http://v1.example.com", "api/v2 http://v2.example.com"]);
  });

  it("their fields and values are still checked", () => {
    expect(problems("error", "  trafficPolicy: {connectionPool: {tcp: {maxConection: 1}}}")).toContain('spec.trafficPolicy.connectionPool.tcp.maxConection: unknown field "maxConection"\n    fix: did you mean "maxConnections"?');
    expect(problems("error", "  trafficPolicy: {connectionPool: {http: {maxRetries: -1}}}")).toContain("spec.trafficPolicy.connectionPool.http.maxRetries: must be a whole number ≥ 0, found -1");
    expect(problems("error", "  trafficPolicy: {outlierDetection: {baseEjectionTime: soon}}")).toContain('spec.trafficPolicy.outlierDetection.baseEjectionTime: "soon" is not a duration');
    expect(problems("error", "  trafficPolicy: {outlierDetection: {maxEjectionPercent: 150}}")).toContain("spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be a whole number from 0 to 100, found 150");
  });
});
