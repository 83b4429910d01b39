// The Gateway API project's own examples (kubernetes-sigs/gateway-api examples/standard,
// copied verbatim under test/fixtures/gateway-api-examples) through the compiler, each
// with what its cluster would know (test/support/gateway-api-examples.ts): each builds,
// or is refused for a true reason, listed here and in docs/gateway-api-support.md.
// A new refusal or a new build changes this list on purpose, never by accident.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { compileRoutes } from "../../src/config/compile";
import { exampleUnits, withCluster } from "../support/gateway-api-examples";

const NOTHING_TO_ROUTE = "no VirtualService or HTTPRoute found: nothing to route";
const SERVICE_IMPORT = "edge-mirror cannot resolve a backend of kind multicluster.x-k8s.io/ServiceImport";

/** Example → "builds", or the distinct error messages (up to " (the file has…)"). */
const EXPECTED: Record<string, "builds" | string[]> = {
  "0-namespaces.yaml": [NOTHING_TO_ROUTE],
  "backend-tls.yaml": [NOTHING_TO_ROUTE],
  "backendtlspolicy/backendtlspolicy-ca-certs.yaml": [NOTHING_TO_ROUTE, "cannot apply at the edge: a Worker's fetch verifies an origin's certificate for the URL's host against publicly trusted CAs, and cannot be given other CA certificates or names"],
  "backendtlspolicy/backendtlspolicy-system-certs.yaml": [NOTHING_TO_ROUTE],
  "basic-grpc.yaml": [NOTHING_TO_ROUTE],
  "basic-http.yaml": "builds",
  "basic-tcp.yaml": [NOTHING_TO_ROUTE],
  "basic-udp.yaml": [NOTHING_TO_ROUTE],
  "cross-namespace-routing/0-namespaces.yaml": [NOTHING_TO_ROUTE],
  "cross-namespace-routing/gateway.yaml": [NOTHING_TO_ROUTE],
  "cross-namespace-routing/site-route.yaml": "builds",
  "cross-namespace-routing/store-route.yaml": "builds",
  "default-match-http.yaml": ["edge-mirror cannot resolve a backend of kind acme.io/CustomBackend"],
  "frontend-cert-validation.yaml": [NOTHING_TO_ROUTE],
  "gateway-addresses.yaml": [NOTHING_TO_ROUTE],
  "grpc-filter.yaml": [NOTHING_TO_ROUTE],
  "grpc-routing/bar-grpcroute.yaml": [NOTHING_TO_ROUTE],
  "grpc-routing/foo-grpcroute.yaml": [NOTHING_TO_ROUTE],
  "grpc-routing/gateway.yaml": [NOTHING_TO_ROUTE],
  "grpc-routing/reflection-grpcroute.yaml": [NOTHING_TO_ROUTE],
  "http-cors/httproute-all-fields-set.yaml": ["\"*\" with allowCredentials: true needs the request's own values echoed, which edge-mirror does not do"],
  "http-cors/httproute-all-origins-no-creds.yaml": "builds",
  "http-cors/httproute-credentials-true.yaml": "builds",
  "http-cors/httproute-origins-with-wildcards-no-creds.yaml": "builds",
  "http-cors/httproute-specific-origin-no-creds.yaml": "builds",
  "http-filter.yaml": "builds",
  "http-redirect-path.yaml": "builds",
  "http-redirect-rewrite/gateway-redirect-http-https.yaml": [NOTHING_TO_ROUTE],
  "http-redirect-rewrite/httproute-redirect-303.yaml": "builds",
  "http-redirect-rewrite/httproute-redirect-307.yaml": "builds",
  "http-redirect-rewrite/httproute-redirect-308.yaml": "builds",
  "http-redirect-rewrite/httproute-redirect-full.yaml": "builds",
  "http-redirect-rewrite/httproute-redirect-http.yaml": "builds",
  "http-redirect-rewrite/httproute-redirect-https.yaml": "builds",
  "http-redirect-rewrite/httproute-redirect-prefix.yaml": "builds",
  "http-redirect-rewrite/httproute-rewrite-full-path.yaml": "builds",
  "http-redirect-rewrite/httproute-rewrite-prefix-path.yaml": "builds",
  "http-redirect-rewrite/httproute-rewrite.yaml": "builds",
  "http-redirect.yaml": "builds",
  "http-request-header-add.yaml": "builds",
  "http-request-header-remove.yaml": "builds",
  "http-request-header-set.yaml": "builds",
  "http-request-mirroring/httproute-mirroring.yaml": "builds",
  "http-rewrite.yaml": "builds",
  "http-route-attachment/gateway-namespaces.yaml": [NOTHING_TO_ROUTE],
  "http-route-attachment/gateway-strict.yaml": [NOTHING_TO_ROUTE],
  "http-route-attachment/httproute.yaml": "builds",
  "http-routing/bar-httproute.yaml": "builds",
  "http-routing/foo-httproute.yaml": "builds",
  "http-routing/gateway.yaml": "builds",
  "httproute.yaml": "builds",
  "listenerset/listenerset.yaml": [NOTHING_TO_ROUTE],
  "multicluster/0-namespaces.yaml": [NOTHING_TO_ROUTE],
  "multicluster/httproute-gamma.yaml": ["an HTTPRoute attaches here to a Gateway (gateway.networking.k8s.io), a core Service or an Istio ServiceEntry, not to multicluster.x-k8s.io/ServiceImport", SERVICE_IMPORT],
  "multicluster/httproute-hybrid.yaml": [SERVICE_IMPORT],
  "multicluster/httproute-location.yaml": [SERVICE_IMPORT],
  "multicluster/httproute-method.yaml": [SERVICE_IMPORT],
  "multicluster/httproute-referencegrant.yaml": [SERVICE_IMPORT],
  "multicluster/httproute-simple.yaml": [SERVICE_IMPORT],
  "reference-grant.yaml": [NOTHING_TO_ROUTE],
  "simple-gateway/gateway.yaml": [NOTHING_TO_ROUTE],
  "simple-gateway/httproute.yaml": "builds",
  "simple-http-https/bar-route.yaml": "builds",
  "simple-http-https/foo-route.yaml": "builds",
  "simple-http-https/gateway.yaml": [NOTHING_TO_ROUTE],
  "simple-http-https/tls-redirect-route.yaml": "builds",
  "tcp-routing/gateway.yaml": [NOTHING_TO_ROUTE],
  "tcp-routing/tcp-route.yaml": [NOTHING_TO_ROUTE],
  "tls-basic.yaml": [NOTHING_TO_ROUTE],
  "tls-cert-cross-namespace.yaml": [NOTHING_TO_ROUTE],
  "tls-routing/gateway.yaml": [NOTHING_TO_ROUTE],
  "tls-routing/tls-route-terminate.yaml": [NOTHING_TO_ROUTE],
  "tls-routing/tls-route.yaml": [NOTHING_TO_ROUTE],
  "traffic-splitting/grpc-traffic-split-2.yaml": [NOTHING_TO_ROUTE],
  "traffic-splitting/simple-split.yaml": "builds",
  "traffic-splitting/traffic-split-1.yaml": "builds",
  "traffic-splitting/traffic-split-2.yaml": "builds",
  "traffic-splitting/traffic-split-3.yaml": "builds",
  "udp-routing/gateway.yaml": [NOTHING_TO_ROUTE],
  "udp-routing/udp-route.yaml": [NOTHING_TO_ROUTE],
  "wildcard-tls-gateway.yaml": [NOTHING_TO_ROUTE],
};

/**
 * Gateway-only examples, each Gateway with an HTTPRoute attached (as a user would add):
 * the Gateway is read, and refused only for a true reason.
 */
const GATEWAYS_WITH_A_ROUTE: Record<string, "builds" | string> = {
  "backend-tls.yaml": "spec.tls: cannot apply at the edge: frontend client-certificate validation happens where TLS ends",
  "frontend-cert-validation.yaml": "spec.tls: cannot apply at the edge: frontend client-certificate validation happens where TLS ends",
  "basic-tcp.yaml": "do not accept this HTTPRoute (an HTTP or HTTPS listener that allows HTTPRoutes)",
  "basic-udp.yaml": "do not accept this HTTPRoute (an HTTP or HTTPS listener that allows HTTPRoutes)",
  "tls-routing/gateway.yaml": "do not accept this HTTPRoute (an HTTP or HTTPS listener that allows HTTPRoutes)",
  "listenerset/listenerset.yaml": "spec.allowedListeners: is a Gateway API field edge-mirror does not support yet (ListenerSets are planned)",
  "basic-grpc.yaml": "builds",
  "gateway-addresses.yaml": "builds",
  "grpc-routing/gateway.yaml": "builds",
  "http-redirect-rewrite/gateway-redirect-http-https.yaml": "builds",
  "simple-gateway/gateway.yaml": "builds",
  "simple-http-https/gateway.yaml": "builds",
  "tls-basic.yaml": "builds",
  "tls-cert-cross-namespace.yaml": "builds",
  "wildcard-tls-gateway.yaml": "builds",
  "cross-namespace-routing/gateway.yaml": "builds",
};

const units = exampleUnits();

describe("kubernetes-sigs/gateway-api examples/standard, each file with its cluster's Services and Gateways", () => {
  it("covers every example file", () => {
    expect(Object.keys(units).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s → %j", (name, expected) => {
    const result = compileRoutes(withCluster(units[name]!), name);
    const errors = [...new Set(result.problems.filter((p) => p.severity === "error").map((p) => p.message.replace(/ \(the file has.*$/, "").replace(/ in namespace .*/, "")))];
    if (expected === "builds") {
      expect(errors).toEqual([]);
      expect(result.table).toBeDefined();
    } else expect(errors).toEqual(expected);
  });
});

describe("the Gateway-only examples, with an HTTPRoute attached to each Gateway", () => {
  it.each(Object.entries(GATEWAYS_WITH_A_ROUTE))("%s → %s", (name, expected) => {
    const gateways = parseAllDocuments(units[name]!)
      .map((d) => d.toJS() as { kind?: string; apiVersion?: string; metadata: { name: string; namespace?: string } } | null)
      .filter((d) => d?.kind === "Gateway" && d.apiVersion?.startsWith("gateway.networking.k8s.io/"));
    expect(gateways.length).toBeGreaterThan(0);
    const routes = gateways.map(
      (g, i) =>
        `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: probe-${i}, namespace: ${g!.metadata.namespace ?? "default"}}\nspec:\n  parentRefs: [{name: ${g!.metadata.name}}]\n  rules: [{backendRefs: [{name: probe, port: 80}]}]\n`,
    );
    const result = compileRoutes(withCluster([units[name]!, ...routes].join("\n---\n")), name);
    const errors = result.problems.filter((p) => p.severity === "error").map((p) => `${p.path}: ${p.message}`);
    if (expected === "builds") expect(errors).toEqual([]);
    else expect(errors.join("\n")).toContain(expected);
  });
});
