// Access control the worker does not enforce fails closed (src/config/istio/access-control.ts):
// a kind that restricts who may reach a service is an error naming what it guards and
// how to guard it at the edge; one that restricts nothing is skipped with a warning.
// What restricts is read from istio/api security/v1 (authorization_policy.proto,
// request_authentication.proto, peer_authentication.proto) and extensions/v1alpha1
// (wasm.proto PluginPhase).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";

const ROUTES = readFileSync("routes.yaml", "utf8");

function problems(doc: string, severity: "error" | "warning") {
  return compileRoutes(`${ROUTES}\n---\n${doc}`).problems.filter((p) => p.severity === severity).map(formatProblem);
}

const resource = (apiVersion: string, kind: string, metadata: string, spec: string) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: ${metadata}\nspec:\n${spec}`;
const authz = (spec: string, metadata = "{name: p, namespace: foo}") => resource("security.istio.io/v1", "AuthorizationPolicy", metadata, spec);

describe("kinds that restrict access are errors naming what they guard", () => {
  it.each([
    [
      "AuthorizationPolicy DENY by selector (Istio's deny-method-get task)",
      authz("  selector: {matchLabels: {app: httpbin}}\n  action: DENY\n  rules: [{to: [{operation: {methods: [GET], paths: [/headers]}}]}]"),
      "AuthorizationPolicy p: denies requests matching GET /headers, for workloads labelled app=httpbin in namespace foo; the worker does not enforce AuthorizationPolicy",
    ],
    [
      "AuthorizationPolicy ALLOW with rules: everything else is refused",
      authz("  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]\n  action: ALLOW\n  rules: [{to: [{operation: {hosts: [httpbin.example.com]}}]}]"),
      "allows only requests matching httpbin.example.com, for Gateway waypoint",
    ],
    ["allow-nothing (spec: {})", resource("security.istio.io/v1", "AuthorizationPolicy", "{name: allow-nothing, namespace: istio-system}", "  {}"), "denies every request (ALLOW with no rules), for every workload of the mesh (istio-system is Istio's root namespace)"],
    ["AuthorizationPolicy CUSTOM (ext_authz)", authz("  action: CUSTOM\n  provider: {name: oauth2-proxy}\n  rules: [{to: [{operation: {paths: [/admin]}}]}]"), "sends requests to the external authorizer oauth2-proxy, for every workload in namespace foo"],
    [
      "RequestAuthentication (a bad JWT is refused with 401)",
      resource("security.istio.io/v1", "RequestAuthentication", "{name: jwt}", "  selector: {matchLabels: {app: httpbin}}\n  jwtRules: [{issuer: testing@secure.istio.io, jwksUri: https://example.com/jwks.json}]"),
      "RequestAuthentication jwt: refuses requests whose JWT does not validate (issuers testing@secure.istio.io), for workloads labelled app=httpbin",
    ],
    ["PeerAuthentication STRICT", resource("security.istio.io/v1", "PeerAuthentication", "{name: default, namespace: bookinfo}", "  mtls: {mode: STRICT}"), "accepts only mutual-TLS connections from mesh workloads (identities istiod issued; the worker has none), for every workload in namespace bookinfo"],
    ["PeerAuthentication STRICT on one port", resource("security.istio.io/v1beta1", "PeerAuthentication", "{name: p}", "  mtls: {mode: PERMISSIVE}\n  portLevelMtls: {\"8080\": {mode: STRICT}}"), "mesh workloads (identities istiod issued; the worker has none) on port 8080"],
    ["WasmPlugin in the AUTHN phase", resource("extensions.istio.io/v1alpha1", "WasmPlugin", "{name: basic-auth}", "  phase: AUTHN\n  url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0"), "runs the Wasm plugin oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0 in the AUTHN phase"],
    ["EnvoyFilter inserting ext_authz", resource("networking.istio.io/v1alpha3", "EnvoyFilter", "{name: ext}", "  configPatches:\n  - applyTo: HTTP_FILTER\n    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.ext_authz}}"), "inserts envoy.filters.http.ext_authz into Envoy's filter chain"],
  ])("%s", (_, doc, expected) => {
    const errors = problems(doc, "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
    expect(errors[0]).toContain("so skipping it would serve those requests to anyone");
    expect(errors[0]).toContain("fix: protect the same hosts and paths in front of the worker: a Cloudflare Access application");
  });

  it("the annotation edge-mirror.dev/protected-by turns the error into a warning that names both", () => {
    const doc = authz("  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]", "{name: p, annotations: {edge-mirror.dev/protected-by: Cloudflare Access app admin}}");
    expect(problems(doc, "error")).toEqual([]);
    expect(problems(doc, "warning").join("\n")).toContain(
      'AuthorizationPolicy p: skipped, though it denies requests matching /admin, for every workload of the namespace it is applied in: the worker does not enforce it; annotation edge-mirror.dev/protected-by says "Cloudflare Access app admin" does at the edge',
    );
  });
});

describe("kinds and modes that restrict nothing are skipped with a warning", () => {
  it.each([
    ["AuthorizationPolicy AUDIT (only logs)", authz("  action: AUDIT\n  rules: [{to: [{operation: {paths: [/headers]}}]}]")],
    ["AuthorizationPolicy allow-all (every rule empty)", authz("  action: ALLOW\n  rules: [{}]")],
    ["PeerAuthentication PERMISSIVE", resource("security.istio.io/v1", "PeerAuthentication", "{name: p}", "  mtls: {mode: PERMISSIVE}")],
    ["WasmPlugin in the STATS phase", resource("extensions.istio.io/v1alpha1", "WasmPlugin", "{name: w}", "  phase: STATS\n  url: oci://example/w:1")],
    ["EnvoyFilter without an access-control filter", resource("networking.istio.io/v1alpha3", "EnvoyFilter", "{name: e}", "  configPatches: [{applyTo: HTTP_FILTER, patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.lua}}}]")],
    ["Telemetry (observes, restricts nothing)", resource("telemetry.istio.io/v1", "Telemetry", "{name: t}", "  tracing: [{randomSamplingPercentage: 10}]")],
    ["Sidecar (limits what workloads reach, not who reaches them)", resource("networking.istio.io/v1", "Sidecar", "{name: s}", "  egress: [{hosts: [./*]}]")],
  ])("%s", (_, doc) => {
    expect(problems(doc, "error")).toEqual([]);
    expect(problems(doc, "warning").join("\n")).toMatch(/skipped/);
  });
});
