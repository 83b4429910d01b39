// Istio's ServiceEntry validation cases (istio/istio pkg/config/validation:
// TestValidateServiceEntries in validation_test.go, testdata/crds/serviceentry-
// {valid,invalid}.yaml, and the CEL rules of istio/api service_entry.proto). Cases
// about other protocols than HTTP, targetPort and unix sockets are part C's; where
// Istio's case carries `addresses` only for TCP warnings, it is ported without them
// (refused here, and irrelevant to Istio's verdict), which the name says.
import { serviceEntry, type IstioCase } from "./case";

const TWO_PORTS = "ports:\n- {number: 80, protocol: http, name: http-valid1}\n- {number: 8080, protocol: http, name: http-valid2}";
const ONE_PORT = "ports: [{number: 80, protocol: http, name: http-valid1}]";
const RESOLUTION_ROW = "`spec.resolution`";

export const SERVICE_ENTRY_CASES: IstioCase[] = [
  {
    name: "TestValidateServiceEntries/discovery type DNS",
    istio: "valid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${TWO_PORTS}\nendpoints:\n- {address: lon.google.com, ports: {http-valid1: 8080}}\n- {address: in.google.com, ports: {http-valid2: 9080}}\nresolution: DNS`),
  },
  {
    name: "TestValidateServiceEntries/discovery type DNS Round Robin",
    istio: "valid",
    yaml: serviceEntry(`hosts: ["*.istio.io"]\n${TWO_PORTS}\nendpoints:\n- {address: api-v1.istio.io, ports: {http-valid1: 8080}}\nresolution: DNS_ROUND_ROBIN`),
  },
  {
    name: "TestValidateServiceEntries/discovery type DNS, label tlsMode: istio",
    istio: "valid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${TWO_PORTS}\nendpoints:\n- {address: lon.google.com, ports: {http-valid1: 8080}, labels: {security.istio.io/tlsMode: istio}}\nresolution: DNS`),
  },
  {
    name: "TestValidateServiceEntries/discovery type DNS, one host set with IP address and https port",
    istio: "valid",
    yaml: serviceEntry(`hosts: [httpbin.org]\naddresses: [10.10.10.10]\n${TWO_PORTS}\nresolution: DNS`),
    error: "spec.addresses: cannot apply at the edge",
    edge: "`spec.addresses`, `workloadSelector`, `subjectAltNames`",
  },
  {
    name: "TestValidateServiceEntries/discovery type DNS, IP in endpoints",
    istio: "valid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${TWO_PORTS}\nendpoints:\n- {address: 1.1.1.1, ports: {http-valid1: 8080}}\n- {address: in.google.com, ports: {http-valid2: 9080}}\nresolution: DNS`),
  },
  {
    name: "TestValidateServiceEntries/discovery type DYNAMIC_DNS",
    istio: "valid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${TWO_PORTS}\nresolution: DYNAMIC_DNS`),
    error: "spec.resolution: is an Istio resolution edge-mirror does not support yet (Istio 1.28",
    edge: RESOLUTION_ROW,
  },
  { name: "TestValidateServiceEntries/empty hosts", istio: "invalid", yaml: serviceEntry(`${ONE_PORT}\nendpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]\nresolution: DNS`), error: "spec.hosts: is required" },
  { name: "TestValidateServiceEntries/bad hosts", istio: "invalid", yaml: serviceEntry(`hosts: ["-"]\n${ONE_PORT}\nendpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]\nresolution: DNS`), error: '"-" is not a host name' },
  {
    name: "TestValidateServiceEntries/full wildcard host",
    istio: "invalid",
    yaml: serviceEntry(`hosts: [foo.com, "*"]\n${ONE_PORT}\nendpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]\nresolution: DNS`),
    error: 'spec.hosts[1]: the host "*" is refused (Istio: "hostname cannot be wildcard")',
  },
  {
    name: "TestValidateServiceEntries/short name host",
    istio: "valid",
    yaml: serviceEntry(`hosts: [foo, bar.com]\n${ONE_PORT}\nendpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]\nresolution: DNS`),
  },
  {
    name: "TestValidateServiceEntries/undefined endpoint port",
    istio: "invalid",
    yaml: serviceEntry(
      "hosts: [google.com]\nports:\n- {number: 80, protocol: http, name: http-valid1}\n- {number: 80, protocol: http, name: http-valid2}\nendpoints:\n- {address: lon.google.com, ports: {http-valid1: 8080}}\n- {address: in.google.com, ports: {http-dne: 9080}}\nresolution: DNS",
    ),
    error: 'spec.endpoints[1].ports.http-dne: endpoint port "http-dne" is not defined by the ServiceEntry',
  },
  {
    name: "TestValidateServiceEntries/discovery type DNS, non-FQDN endpoint",
    istio: "invalid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${TWO_PORTS}\nendpoints:\n- {address: "*.lon.google.com", ports: {http-valid1: 8080}}\n- {address: in.google.com, ports: {http-dne: 9080}}\nresolution: DNS`),
    error: '"*.lon.google.com" is not a host name or IP address',
  },
  {
    name: "TestValidateServiceEntries/discovery type DNS, non-FQDN host",
    istio: "invalid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${TWO_PORTS}\nresolution: DNS`),
    error: '"*.google.com" cannot be looked up: with resolution DNS and no endpoints',
  },
  { name: "TestValidateServiceEntries/discovery type DNS, no endpoints", istio: "valid", yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nresolution: DNS`) },
  {
    name: "TestValidateServiceEntries/discovery type DNS, unix endpoint",
    istio: "invalid",
    yaml: serviceEntry(`hosts: ["*.google.com"]\n${ONE_PORT}\nendpoints: [{address: "unix:///lon/google/com"}]\nresolution: DNS`),
    error: "a Worker cannot reach unix domain sockets",
  },
  {
    name: "TestValidateServiceEntries/discovery type none",
    istio: "valid",
    yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nresolution: NONE`),
    error: "spec.resolution: resolution NONE forwards to the original destination IP",
    edge: RESOLUTION_ROW,
  },
  {
    name: "TestValidateServiceEntries/discovery type none, endpoints provided",
    istio: "invalid",
    yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nendpoints: [{address: lon.google.com, ports: {http-valid1: 8080}}]\nresolution: NONE`),
    error: "resolution NONE",
  },
  {
    name: "TestValidateServiceEntries/discovery type static (addresses left out)",
    istio: "valid",
    yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nendpoints:\n- {address: 1.1.1.1, ports: {http-valid1: 8080}}\n- {address: 2.2.2.2, ports: {http-valid2: 9080}}\nresolution: STATIC`),
  },
  {
    name: "TestValidateServiceEntries/discovery type static, FQDN in endpoints (addresses left out)",
    istio: "invalid",
    yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nendpoints:\n- {address: google.com, ports: {http-valid1: 8080}}\n- {address: 2.2.2.2, ports: {http-valid2: 9080}}\nresolution: STATIC`),
    error: 'resolution STATIC needs IP addresses, found "google.com"',
  },
  {
    name: "TestValidateServiceEntries/discovery type static, missing endpoints (addresses left out)",
    istio: "valid",
    yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nresolution: STATIC`),
    error: "resolution STATIC needs endpoints",
    edge: RESOLUTION_ROW,
  },
  {
    name: "TestValidateServiceEntries/discovery type static, bad endpoint port name (addresses left out)",
    istio: "invalid",
    yaml: serviceEntry(`hosts: [google.com]\n${TWO_PORTS}\nendpoints:\n- {address: 1.1.1.1, ports: {http-valid1: 8080}}\n- {address: 2.2.2.2, ports: {http-dne: 9080}}\nresolution: STATIC`),
    error: 'endpoint port "http-dne" is not defined by the ServiceEntry',
  },
  {
    name: "TestValidateServiceEntries/discovery type none, conflicting port names",
    istio: "invalid",
    yaml: serviceEntry("hosts: [google.com]\nports:\n- {number: 80, protocol: http, name: http-conflict}\n- {number: 8080, protocol: http, name: http-conflict}\nresolution: NONE"),
    error: 'port name "http-conflict" is declared twice',
  },
  {
    name: "TestValidateServiceEntries/discovery type none, conflicting port numbers",
    istio: "invalid",
    yaml: serviceEntry("hosts: [google.com]\nports:\n- {number: 80, protocol: http, name: http-conflict1}\n- {number: 80, protocol: http, name: http-conflict2}\nresolution: NONE"),
    error: 'port 80 is declared twice (Istio: "port number cannot be duplicated")',
  },
  {
    name: "TestValidateServiceEntries/selector",
    istio: "valid",
    yaml: serviceEntry(`hosts: [google.com]\nworkloadSelector: {labels: {app: wle}}\n${ONE_PORT}`),
    error: "spec.workloadSelector: cannot apply at the edge",
    edge: "`spec.addresses`, `workloadSelector`, `subjectAltNames`",
  },
  {
    name: "TestValidateServiceEntries/dns round robin with more than one endpoint",
    istio: "invalid",
    yaml: serviceEntry("hosts: [google.com]\nports: [{number: 8081, protocol: http, name: http-valid1}]\nendpoints:\n- {address: api-v1.istio.io, ports: {http-valid1: 8081}}\n- {address: 1.1.1.2, ports: {http-valid1: 8081}}\nresolution: DNS_ROUND_ROBIN"),
    error: "spec.endpoints: has 2 endpoints: resolution DNS_ROUND_ROBIN takes at most one",
  },
  {
    name: "TestValidateServiceEntries/dns round robin with 0 endpoints",
    istio: "valid",
    yaml: serviceEntry("hosts: [google.com]\nports: [{number: 8081, protocol: http, name: http-valid1}]\nendpoints: []\nresolution: DNS_ROUND_ROBIN"),
  },
  {
    name: "CEL rule: endpoints without resolution (Istio's default, NONE, cannot set endpoints)",
    istio: "invalid",
    yaml: serviceEntry(`hosts: [example.com]\n${ONE_PORT}\nendpoints: [{address: 1.2.3.4}]`),
    error: "spec.endpoints: has endpoints, but resolution is absent",
  },
  {
    name: "ValidatePortName: a port name that is not a DNS label",
    istio: "invalid",
    yaml: serviceEntry("hosts: [example.com]\nports: [{number: 80, protocol: HTTP, name: http_web}]\nresolution: DNS"),
    error: 'port name "http_web" is not a DNS label',
  },

  // testdata/crds/serviceentry-invalid.yaml
  { name: "crds/serviceentry-invalid.yaml: no-spec", istio: "invalid", yaml: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: no-spec}", error: "spec: is required" },
  { name: "crds/serviceentry-invalid.yaml: missing-host", istio: "invalid", yaml: serviceEntry("{}", "missing-host"), error: "spec.hosts: is required" },
  {
    name: "crds/serviceentry-invalid.yaml: bad-selector-value",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nworkloadSelector:\n  labels: {"val": "*"}', "bad-selector-value"),
    error: "spec.workloadSelector: cannot apply at the edge",
  },
  {
    name: "crds/serviceentry-invalid.yaml: selector-and-endpoints",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nworkloadSelector: {}\nendpoints: [{address: "1.2.3.4"}]', "selector-and-endpoints"),
    error: "spec.workloadSelector: cannot apply at the edge",
  },
  { name: "crds/serviceentry-invalid.yaml: bad-host-wildcard", istio: "invalid", yaml: serviceEntry('hosts: ["*"]', "bad-host-wildcard"), error: 'the host "*" is refused' },
  {
    name: "crds/serviceentry-invalid.yaml: bad-cidr-resolution",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\naddresses: [1.2.3.4/16]\nresolution: DNS', "bad-cidr-resolution"),
    error: "spec.addresses: cannot apply at the edge",
  },
  {
    name: "crds/serviceentry-invalid.yaml: duplicate-ports-name",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nports:\n- {name: a, number: 1}\n- {name: a, number: 12}', "duplicate-ports-name"),
    error: 'port name "a" is declared twice',
  },
  {
    name: "crds/serviceentry-invalid.yaml: duplicate-ports-number",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nports:\n- {name: a, number: 1}\n- {name: b, number: 1}', "duplicate-ports-number"),
    error: "port 1 is declared twice",
  },
  {
    name: "crds/serviceentry-invalid.yaml: bad-port",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nports: [{name: a, number: 99999}]', "bad-port"),
    error: "ports[0].number: must be a port number 1..65535, found 99999",
  },
  {
    name: "crds/serviceentry-invalid.yaml: none-with-endpoints",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nendpoints: [{address: "1.2.3.4"}]\nresolution: NONE', "none-with-endpoints"),
    error: "resolution NONE",
  },
  {
    name: "crds/serviceentry-invalid.yaml: dns-rr-with-multiple-endpoints",
    istio: "invalid",
    yaml: serviceEntry('hosts: ["example.com"]\nresolution: DNS_ROUND_ROBIN\nendpoints:\n- address: "sub1.example.com"\n- address: "sub2.example.com"', "dns-rr-with-multiple-endpoints"),
    error: "resolution DNS_ROUND_ROBIN takes at most one",
  },

  // testdata/crds/serviceentry-valid.yaml
  {
    name: "crds/serviceentry-valid.yaml: full",
    istio: "valid",
    yaml: serviceEntry(
      'hosts: ["example.com"]\nworkloadSelector: {labels: {foo: bar}}\naddresses: [1.2.3.4, "001:db8::"]\nexportTo: [foo, .]\nlocation: MESH_EXTERNAL\nports: [{name: foo, protocol: HTTP, number: 1234}]\nsubjectAltNames: [sa]\nresolution: DNS',
      "full",
    ),
    error: "spec.addresses: cannot apply at the edge",
    edge: "`spec.addresses`, `workloadSelector`, `subjectAltNames`",
  },
  {
    name: "crds/serviceentry-valid.yaml: partial-wildcard (no ports)",
    istio: "valid",
    yaml: serviceEntry('hosts: ["*x"]', "partial-wildcard"),
    error: "spec.ports: is required",
    edge: "`spec.ports[]`",
  },
  {
    name: "crds/serviceentry-valid.yaml: empty-selector",
    istio: "valid",
    yaml: serviceEntry('workloadSelector: {}\nhosts: ["example.com"]', "empty-selector"),
    error: "spec.workloadSelector: cannot apply at the edge",
    edge: "`spec.addresses`, `workloadSelector`, `subjectAltNames`",
  },
];
