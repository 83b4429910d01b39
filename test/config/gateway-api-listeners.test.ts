// Which requests a route attached to a Gateway, a listener or the worker serves:
// Gateway API listener isolation (GEP-1713, conformance gateway-http-listener-isolation),
// listener ports (httproute-listener-port-matching), several Gateways
// (httproute-multiple-gateways), and HTTPRoutes without parentRefs (+optional in
// apis/v1/shared_types.go CommonRouteSpec). The requests themselves are sent through
// the worker in test/integration/gateway-api-listeners.test.ts.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { explainJson } from "../../src/tools/explain-json";
import type { RouteTable } from "../../src/routing/table";
import { verbatimCase } from "../support/gateway-api-cases";

const PORTS = { "INFRA-BACKEND-V1": 3001, "INFRA-BACKEND-V2": 3002, "INFRA-BACKEND-V3": 3003 };

function table(yaml: string): RouteTable {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

const problems = (yaml: string, severity: "error" | "warning" | "note" = "error") => compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem);

/** Which origin answers, or the status the edge gives. */
function outcome(t: RouteTable, url: string): string | number {
  const json = explainJson(t, "GET", url, []) as { action: string; origin?: string; status?: number };
  return json.action === "forward" ? json.origin! : json.status!;
}

const [V1, V2, V3] = ["http://127.0.0.1:3001", "http://127.0.0.1:3002", "http://127.0.0.1:3003"];

const BACKENDS = `apiVersion: v1
kind: Service
metadata: {name: v1}
spec: {type: ExternalName, externalName: v1.example.net}
---
apiVersion: v1
kind: Service
metadata: {name: v2}
spec: {type: ExternalName, externalName: v2.example.net}
`;

const gateway = (name: string, listeners: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  gatewayClassName: edge
  listeners: ${listeners}
`;

const route = (name: string, spec: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}}
spec:
${spec}
`;

describe("conformance httproute-multiple-gateways (manifest verbatim)", () => {
  it("is refused: the edge cannot tell the two Gateways apart, and they route / differently", () => {
    const errors = problems(verbatimCase("HTTPRouteMultipleGateways", PORTS));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      "Gateway gateway-conformance-infra/all-namespaces, listener http and Gateway gateway-conformance-infra/same-namespace, listener http take the same requests (any host) but route them differently",
    );
    expect(errors[0]).toContain("the worker is the one gateway at the edge and cannot tell which of them a request was sent to");
    expect(errors[0]).toContain("fix: give the listeners different hostnames (or ports), attach the same HTTPRoutes to both");
  });

  it("builds when only the shared route is attached to both: both Gateways route alike", () => {
    const shared = verbatimCase("HTTPRouteMultipleGateways", PORTS).split(/^---\napiVersion: gateway.networking.k8s.io\/v1\nkind: HTTPRoute\nmetadata:\n  name: same-namespace-dedicated-route/m)[0]!;
    const t = table(shared);
    expect(outcome(t, "http://gw/shared")).toBe(V1);
    expect(outcome(t, "http://gw/")).toBe(404);
  });
});

describe("conformance gateway-http-listener-isolation (manifests verbatim)", () => {
  it("keys the table by every listener hostname, each with only its own listener's routes", () => {
    const t = table(verbatimCase("GatewayHTTPListenerIsolation", PORTS));
    expect(t.virtualHosts.map((v) => [v.name, v.httpRoutes])).toEqual([
      ["*", ["gateway-conformance-infra/attaches-to-empty-hostname"]],
      ["*.example.com", ["gateway-conformance-infra/attaches-to-wildcard-example-com"]],
      ["*.foo.example.com", ["gateway-conformance-infra/attaches-to-wildcard-foo-example-com"]],
      ["abc.foo.example.com", ["gateway-conformance-infra/attaches-to-abc-foo-example-com"]],
    ]);
  });

  it("a route's hostname under a more specific listener is not served through the less specific one", () => {
    const t = table(verbatimCase("GatewayHTTPListenerIsolationWithHostnameIntersection", PORTS));
    expect(outcome(t, "http://bar.example.com/empty-hostname")).toBe(404);
    expect(outcome(t, "http://bar.com/empty-hostname")).toBe(V1);
    expect(outcome(t, "http://abc.foo.example.com/wildcard-foo-example-com")).toBe(404);
  });

  it("a listener without routes still takes its requests: 404, not the wider listener's route", () => {
    const yaml = `${BACKENDS}${gateway("gw", "[{name: any, port: 80, protocol: HTTP}, {name: api, port: 80, protocol: HTTP, hostname: api.example.com}]")}${route("r", "  parentRefs: [{name: gw, sectionName: any}]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]")}`;
    const t = table(yaml);
    expect(outcome(t, "http://www.example.com/")).toBe("http://v1.example.net");
    expect(outcome(t, "http://api.example.com/")).toBe(404);
  });
});

describe("conformance httproute-listener-port-matching (manifest verbatim)", () => {
  it("adds the listener's port to each route when the listeners use several ports", () => {
    const t = table(verbatimCase("HTTPRouteListenerPortMatching", PORTS));
    expect(outcome(t, "http://foo.com/")).toBe(V1);
    expect(outcome(t, "http://foo.com:8080/")).toBe(V2);
    expect(outcome(t, "http://bar.com:8080/")).toBe(V2);
    expect(outcome(t, "http://foo.com:8090/")).toBe(V3);
    expect(outcome(t, "http://bar.com:8090/")).toBe(404);
    // No listener on 443: an HTTPS request reaches none of them, as upstream.
    expect(outcome(t, "https://foo.com/")).toBe(404);
  });

  it("with one port, the port is not looked at (Cloudflare receives on its own ports)", () => {
    const t = table(`${BACKENDS}${gateway("gw", "[{name: http, port: 80, protocol: HTTP}]")}${route("r", "  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]")}`);
    expect(outcome(t, "https://www.example.com/")).toBe("http://v1.example.net");
    expect(t.virtualHosts[0]!.routes[0]!.match).toEqual([]);
  });
});

describe("HTTPRoutes without parentRefs", () => {
  const noParents = `${BACKENDS}${route("r", "  hostnames: [api.example.com]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]")}`;

  it("attach to the worker, with a note (not an error, not a warning)", () => {
    const t = table(noParents);
    expect(outcome(t, "http://api.example.com/")).toBe("http://v1.example.net");
    expect(outcome(t, "http://www.example.com/")).toBe(404);
    expect(problems(noParents, "note")).toEqual([
      "routes.yaml:15:3 note: HTTPRoute r: spec: no parentRefs: the route attaches to the worker, the one gateway at the edge, for its hostnames on every port",
    ]);
    expect(problems(noParents, "warning")).toEqual([expect.stringContaining("skipped Service v2 (v1): no HTTPRoute backendRef or parentRef names it")]);
  });

  it("without hostnames serve every host", () => {
    expect(outcome(table(`${BACKENDS}${route("r", "  rules: [{backendRefs: [{name: v2, port: 80}]}]")}`), "http://anything.example/")).toBe("http://v2.example.net");
  });

  it("beside a Gateway listener for the same hosts, with other routes, are refused: which one would answer?", () => {
    const yaml = `${noParents}${gateway("gw", "[{name: http, port: 80, protocol: HTTP}]")}${route("g", "  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: v2, port: 80}]}]")}`;
    expect(problems(yaml).join("\n")).toContain("the worker and Gateway gw, listener http take the same requests (any host) but route them differently (no route; g)");
  });
});

describe("Gateway fields", () => {
  const withField = (field: string) => `${BACKENDS}${gateway("gw", "[{name: http, port: 80, protocol: HTTP}]")}  ${field}\n${route("r", "  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]")}`;

  it("spec.tls (GatewayTLSConfig) is refused with its reason: frontend validation restricts access", () => {
    const errors = problems(withField("tls: {frontend: {default: {validation: {caCertificateRefs: [{name: ca}]}}}}"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("spec.tls: cannot apply at the edge: frontend client-certificate validation happens where TLS ends, in Cloudflare");
    expect(errors[0]).toContain("fix: require client certificates at Cloudflare");
  });

  it("an unknown field names every real field of GatewaySpec, addresses included", () => {
    const errors = problems(withField("bogusField: 1"));
    expect(errors[0]).toContain('unknown field "bogusField"');
    expect(errors[0]).toContain("fix: the fields here: gatewayClassName, listeners, addresses, infrastructure, defaultScope, allowedListeners, backendTLS, tls");
    expect(problems(withField("adresses: []"))[0]).toContain('did you mean "addresses"?');
  });
});

describe("allowedRoutes.namespaces from: Selector", () => {
  const selectorGateway = `${gateway("gw", "[{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {expose: 'true'}}}}}]")}`;
  const appRoute = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: default}]
  rules: [{backendRefs: [{name: v1, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: v1, namespace: apps}
spec: {type: ExternalName, externalName: v1.example.net}
`;
  const namespace = (labels: string) => `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: ${labels}}\n`;

  it("admits routes from a Namespace document with the labels", () => {
    expect(outcome(table(`${BACKENDS}${selectorGateway}${appRoute}${namespace("{expose: 'true'}")}`), "http://x/")).toBe("http://v1.example.net");
  });

  it("refuses a namespace without them, and asks for the Namespace when the file has none", () => {
    expect(problems(`${BACKENDS}${selectorGateway}${appRoute}${namespace("{other: x}")}`).join("\n")).toContain("Gateway gw's listener does not accept this HTTPRoute");
    expect(problems(`${BACKENDS}${selectorGateway}${appRoute}`).join("\n")).toContain("this file has no Namespace apps to say them");
  });

  it("knows the label Kubernetes gives every namespace: kubernetes.io/metadata.name", () => {
    const byName = selectorGateway.replace("{expose: 'true'}", "{kubernetes.io/metadata.name: apps}");
    expect(outcome(table(`${BACKENDS}${byName}${appRoute}`), "http://x/")).toBe("http://v1.example.net");
  });
});
