// Gateway API and Envoy Gateway kinds beside HTTPRoute that change how a backend is
// reached or who may reach a route: BackendTLSPolicy (apis/v1/backendtlspolicy_types.go),
// Envoy Gateway's SecurityPolicy (fail closed), Service appProtocol, and the message
// for a file with nothing to route.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import type { RouteTable } from "../../src/routing/table";

function table(yaml: string): RouteTable {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

const problems = (yaml: string, severity: "error" | "warning" = "error") => compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem);
const origins = (t: RouteTable) => t.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins;

/** Service dev (port 443, selector app: dev), its WorkloadEntry at `address`, and an HTTPRoute to it without parentRefs. */
const DEV = (address: string, port = "{name: https, port: 443, targetPort: 8443}") => `apiVersion: v1
kind: Service
metadata: {name: dev}
spec: {selector: {app: dev}, ports: [${port}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: dev}
spec: {address: ${address}, labels: {app: dev}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: dev}
spec:
  hostnames: [dev.example.com]
  rules: [{backendRefs: [{name: dev, port: 443}]}]
`;

/** examples/standard/backendtlspolicy/backendtlspolicy-system-certs.yaml of kubernetes-sigs/gateway-api, as written. */
const SYSTEM_CERTS = `---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: tls-upstream-dev
spec:
  targetRefs:
    - kind: Service
      name: dev
      group: ""
  validation:
    wellKnownCACertificates: "System"
    hostname: dev.example.com
`;

describe("BackendTLSPolicy", () => {
  it("wellKnownCACertificates: System → https:// to the backend, its hostname the URL's host (so the SNI)", () => {
    expect(origins(table(`${DEV("dev.example.com")}${SYSTEM_CERTS}`))).toEqual(["https://dev.example.com:8443"]);
  });

  it("without the policy, the same port name https- is already HTTPS, but port name http is plain HTTP: the policy makes it TLS", () => {
    const http = "{name: http, port: 443, targetPort: 8443}";
    expect(origins(table(DEV("dev.example.com", http)))).toEqual(["http://dev.example.com:8443"]);
    expect(origins(table(`${DEV("dev.example.com", http)}${SYSTEM_CERTS}`))).toEqual(["https://dev.example.com:8443"]);
  });

  it("refuses an origin address other than the hostname: a fetch cannot send another SNI", () => {
    const errors = problems(`${DEV("10.0.0.7")}${SYSTEM_CERTS}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('WorkloadEntry dev: spec.address: BackendTLSPolicy tls-upstream-dev says Service dev\'s backends speak TLS for "dev.example.com", but WorkloadEntry dev\'s address is "10.0.0.7"');
    expect(errors[0]).toContain("fix: use dev.example.com as the address");
  });

  it("refuses CA certificates it cannot use (examples/standard backendtlspolicy-ca-certs.yaml), never falling back to plain HTTP", () => {
    const caCerts = SYSTEM_CERTS.replace('    wellKnownCACertificates: "System"\n', "    caCertificateRefs:\n      - kind: ConfigMap\n        name: auth-cert\n        group: \"\"\n");
    const result = compileRoutes(`${DEV("dev.example.com", "{name: http, port: 443, targetPort: 8443}")}${caCerts}`);
    expect(result.table).toBeUndefined();
    const errors = result.problems.filter((p) => p.severity === "error").map(formatProblem);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("spec.validation.caCertificateRefs: cannot apply at the edge: a Worker's fetch verifies an origin's certificate for the URL's host against publicly trusted CAs");
    expect(errors[0]).toContain("fix: give the backend a certificate from a public CA");
  });

  it("refuses subjectAltNames, and applies a sectionName policy to that Service port only", () => {
    expect(problems(`${DEV("dev.example.com")}${SYSTEM_CERTS}    subjectAltNames: [{type: Hostname, hostname: x.example.com}]\n`)[0]).toContain("spec.validation.subjectAltNames: cannot apply at the edge");
    const other = SYSTEM_CERTS.replace('      group: ""', '      group: ""\n      sectionName: admin');
    const t = table(`${DEV("dev.example.com", "{name: http, port: 443, targetPort: 8443}")}${other}`);
    expect(origins(t)).toEqual(["http://dev.example.com:8443"]);
  });

  it("an ExternalName Service: its externalName is the host, and must be the hostname", () => {
    const external = (name: string) => `apiVersion: v1
kind: Service
metadata: {name: dev}
spec: {type: ExternalName, externalName: ${name}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: dev}
spec: {rules: [{backendRefs: [{name: dev, port: 8443}]}]}
`;
    expect(origins(table(`${external("dev.example.com")}${SYSTEM_CERTS}`))).toEqual(["https://dev.example.com:8443"]);
    expect(problems(`${external("dev.internal")}${SYSTEM_CERTS}`)[0]).toContain('but its externalName is "dev.internal"');
  });

  it("a policy for a Service no route uses is a warning", () => {
    expect(problems(`${DEV("dev.example.com")}${SYSTEM_CERTS.replace("name: dev\n", "name: other\n")}`, "warning")).toEqual([
      expect.stringContaining("BackendTLSPolicy tls-upstream-dev applies to no Service an HTTPRoute uses: it has no effect here"),
    ]);
  });
});

describe("Envoy Gateway SecurityPolicy: fails closed", () => {
  const GATEWAY = `apiVersion: v1
kind: Service
metadata: {name: dev}
spec: {type: ExternalName, externalName: dev.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec:
  gatewayClassName: eg
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend}
spec:
  parentRefs: [{name: eg}]
  hostnames: [www.example.com]
  rules: [{backendRefs: [{name: dev, port: 443}]}]
`;
  /** The shape of Envoy Gateway's basic-auth task (gateway.envoyproxy.io docs, tasks/security/basic-auth). */
  const BASIC_AUTH = `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: basic-auth-example}
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: backend
  basicAuth:
    users:
      name: "basic-auth"
`;

  it("basicAuth on an HTTPRoute: an error naming the route and its hostnames, and how to protect it at the edge", () => {
    const errors = problems(`${GATEWAY}${BASIC_AUTH}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("SecurityPolicy basic-auth-example: spec.basicAuth: SecurityPolicy basic-auth-example restricts access (basicAuth) to HTTPRoute backend (www.example.com); the worker does not enforce it, so it would serve them to every client");
    expect(errors[0]).toContain("fix: protect them at the edge first — a Cloudflare Access application for these hostnames and paths, WAF custom rules, or a Worker in front of edge-mirror");
  });

  it("targeting a Gateway names every route attached to it", () => {
    const onGateway = BASIC_AUTH.replace("kind: HTTPRoute\n      name: backend", "kind: Gateway\n      name: eg").replace("basicAuth:\n    users:\n      name: \"basic-auth\"", "jwt: {providers: [{name: example, remoteJWKS: {uri: https://example.com/jwks}}]}\n  authorization: {defaultAction: Deny}");
    expect(problems(`${GATEWAY}${onGateway}`)[0]).toContain("restricts access (jwt, authorization) to HTTPRoute backend (www.example.com)");
  });

  it("a SecurityPolicy with only CORS is not access control: not supported yet, use the CORS filter", () => {
    const cors = BASIC_AUTH.replace("basicAuth:\n    users:\n      name: \"basic-auth\"", "cors: {allowOrigins: [\"*\"]}");
    const errors = problems(`${GATEWAY}${cors}`);
    expect(errors).toEqual([expect.stringContaining("SecurityPolicy basic-auth-example: CORS in a SecurityPolicy is not supported yet")]);
    expect(errors[0]).toContain("use the HTTPRoute's CORS filter");
  });

  const policy = (kind: string, body: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ${kind}
metadata: {name: p}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
${body}`;

  it("its kin fail closed too: ClientTrafficPolicy client-certificate validation, BackendTrafficPolicy rate limits, EnvoyExtensionPolicy processors", () => {
    const mtls = problems(`${GATEWAY}${policy("ClientTrafficPolicy", "  tls: {clientValidation: {caCertificateRefs: [{name: ca}]}}\n")}`);
    expect(mtls).toEqual([expect.stringContaining("ClientTrafficPolicy p restricts access (tls.clientValidation) to HTTPRoute backend (www.example.com)")]);
    expect(mtls[0]).toContain("fix: require client certificates at Cloudflare first");
    const limit = problems(`${GATEWAY}${policy("BackendTrafficPolicy", "  rateLimit: {type: Global, global: {rules: [{limit: {requests: 3, unit: Hour}}]}}\n")}`);
    expect(limit).toEqual([expect.stringContaining("BackendTrafficPolicy p restricts access (rateLimit) to HTTPRoute backend")]);
    expect(limit[0]).toContain("Cloudflare rate limiting rules");
    expect(problems(`${GATEWAY}${policy("EnvoyExtensionPolicy", "  extProc: [{backendRefs: [{name: proc, port: 9002}]}]\n")}`)[0]).toContain("EnvoyExtensionPolicy p restricts access (extProc)");
  });

  it("what restricts no access is skipped with a warning, as other kinds are", () => {
    const yaml = `${GATEWAY}${policy("ClientTrafficPolicy", "  timeout: {http: {idleTimeout: 5s}}\n")}`;
    expect(problems(yaml)).toEqual([]);
    expect(problems(yaml, "warning")).toEqual([expect.stringContaining("skipped ClientTrafficPolicy p (gateway.envoyproxy.io/v1alpha1): it restricts no access")]);
  });
});

describe("Service appProtocol", () => {
  it("kubernetes.io/h2c says the worker sends HTTP/1.1 instead of doing so silently", () => {
    const warnings = problems(DEV("dev.example.com", "{name: grpc, port: 443, targetPort: 8443, appProtocol: kubernetes.io/h2c}"), "warning");
    expect(warnings).toEqual([expect.stringContaining("spec.ports[0].appProtocol: kubernetes.io/h2c: a Worker's fetch cannot speak HTTP/2 over cleartext to an origin, so the worker sends HTTP/1.1 to this port")]);
  });

  it("a non-HTTP appProtocol is named too; http, https and WebSocket ones are not", () => {
    expect(problems(DEV("dev.example.com", "{port: 443, targetPort: 8443, appProtocol: mysql}"), "warning")[0]).toContain("mysql: the worker sends HTTP/1.1 to this port");
    for (const ok of ["http", "https", "kubernetes.io/ws", "kubernetes.io/wss"]) expect(problems(DEV("dev.example.com", `{port: 443, targetPort: 8443, appProtocol: ${ok}}`), "warning")).toEqual([]);
  });
});

describe("a file with nothing to route", () => {
  it("says there is no VirtualService or HTTPRoute, and which kinds it has", () => {
    const gatewayOnly = `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {gatewayClassName: x, listeners: [{name: http, port: 80, protocol: HTTP}]}\n`;
    expect(problems(gatewayOnly)).toEqual([expect.stringContaining("no VirtualService or HTTPRoute found: nothing to route (the file has Gateway, but no route)")]);
  });
});
