// Istio's VirtualService-level validation cases (istio/istio pkg/config/validation:
// TestValidateVirtualService in validation_test.go, TestValidateRootHTTPRoute and
// TestValidateChainingVirtualService in virtualservice_test.go), and what kubectl does
// with YAML before Istio sees it. Gateway-bound cases carry the Gateway they name:
// edge-mirror resolves it, where Istio validates the VirtualService alone.
import { gateway, TO_FOO_BAZ, virtualService, type IstioCase } from "./case";

const ROUTE = `http:\n- ${TO_FOO_BAZ}`;

export const VIRTUAL_SERVICE_CASES: IstioCase[] = [
  { name: "TestValidateVirtualService/simple", istio: "valid", yaml: virtualService(`hosts: [foo.bar]\n${ROUTE}`) },
  {
    name: "TestValidateVirtualService/duplicate hosts",
    istio: "invalid",
    yaml: virtualService(`hosts: ["*.foo.bar", "*.bar"]\n${ROUTE}`),
    error: 'spec.hosts[1]: "*.bar" overlaps "*.foo.bar" listed before it',
  },
  {
    name: "TestValidateVirtualService/with no destination",
    istio: "invalid",
    yaml: virtualService(`hosts: ["*.foo.bar", "*.bar"]\nhttp:\n- route: [{}]`),
    error: "spec.http[0].route[0].destination: is required",
  },
  {
    name: "TestValidateVirtualService/destination with out hosts",
    istio: "invalid",
    yaml: virtualService(`hosts: ["*.foo.bar", "*.bar"]\nhttp:\n- route: [{destination: {}}]`),
    error: "destination.host: is required",
  },
  {
    name: "TestValidateVirtualService/delegate with no hosts",
    istio: "valid",
    yaml: virtualService(ROUTE),
    error: "spec.hosts: is required",
    edge: "`http[].delegate`",
  },
  { name: "TestValidateVirtualService/bad host", istio: "invalid", yaml: virtualService(`hosts: [foo.ba!r]\n${ROUTE}`), error: '"foo.ba!r" is not a host name' },
  { name: "TestValidateVirtualService/no tcp or http routing", istio: "invalid", yaml: virtualService("hosts: [foo.bar]"), error: "spec.http: is required" },
  {
    name: "TestValidateVirtualService/wildcard for mesh gateway",
    istio: "invalid",
    yaml: virtualService(`hosts: ["*"]\n${ROUTE}`),
    error: 'the host "*" is refused for a VirtualService of the mesh',
  },
  {
    name: "TestValidateVirtualService/wildcard for non-mesh gateway",
    istio: "valid",
    yaml: `${virtualService(`hosts: ["*"]\ngateways: [somegateway]\n${ROUTE}`)}\n---\n${gateway("somegateway")}`,
  },
  {
    name: "ValidateVirtualService: wildcard for a VirtualService bound to the mesh and a gateway",
    istio: "invalid",
    yaml: `${virtualService(`hosts: ["*"]\ngateways: [mesh, somegateway]\n${ROUTE}`)}\n---\n${gateway("somegateway")}`,
    error: 'the host "*" is refused for a VirtualService of the mesh',
  },
  {
    name: "TestValidateVirtualService/namespace/name for gateway",
    istio: "valid",
    yaml: `${virtualService(`hosts: [foo.bar]\ngateways: [ns1/gateway]\n${ROUTE}`)}\n---\n${gateway("ns1/gateway")}`,
  },
  {
    name: "TestValidateVirtualService/FQDN for gateway (a warning in Istio)",
    istio: "valid",
    yaml: `${virtualService(`hosts: [foo.bar]\ngateways: [gateway.example.com]\n${ROUTE}`)}\n---\n${gateway("example/gateway")}`,
  },
  {
    name: "TestValidateVirtualService/bad gateway",
    istio: "invalid",
    yaml: virtualService(`hosts: [foo.bar]\ngateways: [b@dgateway]\n${ROUTE}`),
    error: 'spec.gateways[0]: no Gateway named "b@dgateway"',
  },
  {
    name: "TestValidateVirtualService/namespace/* for gateway",
    istio: "invalid",
    yaml: `${virtualService(`hosts: [foo.bar]\ngateways: [ns1/*]\n${ROUTE}`)}\n---\n${gateway("ns1/gateway")}`,
    error: 'no Gateway named "*" in namespace ns1',
  },
  {
    name: "TestValidateVirtualService/*/name for gateway",
    istio: "invalid",
    yaml: `${virtualService(`hosts: [foo.bar]\ngateways: ["*/gateway"]\n${ROUTE}`)}\n---\n${gateway("ns1/gateway")}`,
    error: 'no Gateway named "gateway" in namespace *',
  },
  {
    name: "TestValidateVirtualService/missing tcp route",
    istio: "invalid",
    yaml: virtualService("hosts: [foo.bar]\ntcp:\n- match: [{port: 999}]"),
    error: "spec.tcp: this VirtualService has only tcp routes",
  },
  {
    name: "TestValidateVirtualService/missing tls route",
    istio: "invalid",
    yaml: virtualService("hosts: [foo.bar]\ntls:\n- match: [{port: 999, sniHosts: [foo.bar]}]"),
    error: "spec.tls: this VirtualService has only tls routes",
  },
  {
    name: "TestValidateVirtualService/ip address as sni host",
    istio: "valid",
    yaml: virtualService("hosts: [foo.bar]\ntls:\n- match: [{port: 999, sniHosts: [1.1.1.1]}]\n  route: [{destination: {host: foo.baz}}]"),
    error: "spec.tls: this VirtualService has only tls routes",
    edge: "`spec.tcp`, `spec.tls`",
  },
  {
    name: "TestValidateVirtualService/non-method-get (an overlapping match: a warning in Istio)",
    istio: "valid",
    yaml: virtualService(`hosts: [foo.bar]\nhttp:\n- match:\n  - uri: {prefix: /api/v1/product}\n  - uri: {prefix: /api/v1/products}\n    method: {exact: GET}\n  ${TO_FOO_BAZ}`),
  },
  {
    name: "TestValidateVirtualService/uri-with-prefix-exact",
    istio: "valid",
    yaml: virtualService(`hosts: [foo.bar]\nhttp:\n- match:\n  - uri: {prefix: /}\n  - uri: {exact: /}\n    method: {exact: GET}\n  ${TO_FOO_BAZ}`),
  },
  {
    name: "ValidateVirtualService: a name and a wildcard that covers it (host.Name.Matches)",
    istio: "invalid",
    yaml: virtualService(`hosts: [foo.bar, "*.bar"]\n${ROUTE}`),
    error: 'spec.hosts[1]: "*.bar" overlaps "foo.bar" listed before it',
  },
  { name: "ValidateVirtualService: the same host twice", istio: "invalid", yaml: virtualService(`hosts: [foo.bar, foo.bar]\n${ROUTE}`), error: 'overlaps "foo.bar"' },
  { name: "ValidateVirtualService: *.example.com and example.com do not overlap", istio: "valid", yaml: virtualService(`hosts: [example.com, "*.example.com"]\n${ROUTE}`) },
  {
    name: "ValidateVirtualService: overlapping wildcards in two VirtualServices (validated one by one; the most specific wins)",
    istio: "valid",
    yaml: `${virtualService(`hosts: ["*.foo.bar"]\n${ROUTE}`, "narrow")}\n---\n${virtualService(`hosts: ["*.bar"]\n${ROUTE}`, "broad")}`,
  },
  { name: "ValidateVirtualService: http: []", istio: "invalid", yaml: virtualService("hosts: [foo.bar]\nhttp: []"), error: "spec.http: must list at least one route" },
  { name: "ValidateWildcardDomain: an all-numeric top-level domain", istio: "invalid", yaml: virtualService(`hosts: [foo.123]\n${ROUTE}`), error: "its top-level domain is all digits" },
  { name: "ValidateWildcardDomain: an IP address host", istio: "valid", yaml: virtualService(`hosts: [10.0.0.1]\n${ROUTE}`) },
  { name: "ValidateWildcardDomain: a trailing dot", istio: "valid", yaml: virtualService(`hosts: [foo.bar.]\n${ROUTE}`) },
  {
    name: "ValidateWildcardDomain: a partial wildcard (*foo.bar)",
    istio: "valid",
    yaml: virtualService(`hosts: ["*foo.bar"]\n${ROUTE}`),
    error: "is a partial wildcard",
    edge: "`spec.hosts[]`",
  },

  // virtualservice_test.go: delegation, which istiod stitches and the edge refuses
  {
    name: "TestValidateRootHTTPRoute/root with delegate",
    istio: "valid",
    yaml: virtualService("hosts: [foo.bar]\nhttp:\n- delegate: {name: test, namespace: test}"),
    error: "spec.http[0].delegate: cannot apply at the edge",
    edge: "`http[].delegate`",
  },
  // ValidateVirtualService: "http, tcp or tls must be provided"; the edge serves http only
  {
    name: "TestValidateVirtualService/tcp routes only",
    istio: "valid",
    yaml: virtualService("hosts: [foo.bar]\ntcp:\n- route: [{destination: {host: foo.baz, port: {number: 80}}}]"),
    error: "spec.tcp: this VirtualService has only tcp routes (Istio takes one of http, tcp, tls); the edge serves http routes only",
    edge: "`spec.tcp`, `spec.tls`",
  },
  {
    name: "TestValidateVirtualService/tls routes only",
    istio: "valid",
    yaml: virtualService("hosts: [foo.bar]\ntls:\n- match: [{sniHosts: [foo.bar]}]\n  route: [{destination: {host: foo.baz}}]"),
    error: "spec.tls: this VirtualService has only tls routes",
    edge: "`spec.tcp`, `spec.tls`",
  },
  {
    name: "TestValidateRootHTTPRoute/root with delegate and redirect",
    istio: "invalid",
    yaml: virtualService("hosts: [foo.bar]\nhttp:\n- delegate: {name: test, namespace: test}\n  redirect: {uri: /lerp}"),
    error: "spec.http[0].delegate: cannot apply at the edge",
  },

  // kubectl reads YAML 1.1 anchors, aliases and merge keys before Istio sees the resource
  {
    name: "kubectl: anchors, aliases and a << merge key",
    istio: "valid",
    yaml: virtualService(
      "hosts: [foo.bar]\nhttp:\n- name: first\n  match: [{uri: {prefix: /a}}]\n  route: &to [{destination: {host: foo.baz}}]\n  retries: &retries {attempts: 2, retryOn: 5xx}\n- name: second\n  route: *to\n  retries:\n    <<: *retries\n    attempts: 3",
    ),
  },
  {
    name: "kubectl: an alias to no anchor",
    istio: "invalid",
    yaml: virtualService(`hosts: [foo.bar]\nhttp:\n- route: *nowhere`),
    error: "alias *nowhere names no anchor before it",
  },
  { name: "match.queryParams prefix (Istio 1.18, istio/istio#43736)", istio: "valid", yaml: virtualService(`hosts: [foo.bar]\nhttp:\n- match: [{queryParams: {v: {prefix: "2"}}}]\n  ${TO_FOO_BAZ}`) },
  {
    name: "validateStringMatch: an empty queryParams prefix",
    istio: "invalid",
    yaml: virtualService(`hosts: [foo.bar]\nhttp:\n- match: [{queryParams: {v: {prefix: ""}}}]\n  ${TO_FOO_BAZ}`),
    error: "an empty prefix matches every value",
  },
];
