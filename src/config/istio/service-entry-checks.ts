// The ServiceEntry rules Istio checks across fields (pkg/config/validation
// ValidateServiceEntry and the CEL rules of istio/api service_entry.proto): hosts,
// unique ports, which resolutions may have endpoints and how many, and endpoint
// ports that must name a declared port. Run on the spec service-entry.ts has read.
import { isMap, isScalar, isSeq } from "yaml";
import type { Field } from "../field";
import { domainProblem, fqdnProblem, isDnsLabel } from "./host-name";

export function checkServiceEntry(spec: Field): void {
  const resolution = stringOf(spec.get("resolution"));
  const hosts = checkHosts(spec.get("hosts"));
  const portNames = checkPorts(spec.get("ports"));
  const endpointsField = spec.get("endpoints");
  const endpoints = isSeq(endpointsField.node) ? endpointsField.items() : [];

  if (endpoints.length > 0 && resolution === undefined) {
    endpointsField.error(
      'has endpoints, but resolution is absent: Istio\'s default resolution is NONE, which cannot have endpoints (Istio: "NONE mode cannot set endpoints")',
      "add resolution: STATIC (endpoints are IP addresses) or resolution: DNS (host names)",
      endpointsField.keyAt,
    );
  }
  if (resolution === "DNS_ROUND_ROBIN" && endpoints.length > 1) {
    endpointsField.error(
      `has ${endpoints.length} endpoints: resolution DNS_ROUND_ROBIN takes at most one (Istio: "DNS_ROUND_ROBIN mode cannot have multiple endpoints")`,
      "use resolution: DNS for several endpoints",
      endpointsField.keyAt,
    );
  }
  if ((resolution === "DNS" || resolution === "DNS_ROUND_ROBIN") && endpoints.length === 0) {
    // With no endpoints, the hosts themselves are looked up: they must be names DNS can resolve.
    for (const { host, field } of hosts) {
      if (host !== "*" && fqdnProblem(host))
        field.error(`"${host}" cannot be looked up: with resolution ${resolution} and no endpoints the hosts are the origins, so they must be full names (Istio)`, "add endpoints, or list the name to look up");
    }
  }
  for (const endpoint of endpoints) {
    const ports = endpoint.get("ports");
    if (!isMap(ports.node)) continue;
    for (const [name, value] of ports.entries()) {
      if (!portNames.has(name))
        value.error(
          `endpoint port "${name}" is not defined by the ServiceEntry (ports: ${[...portNames].join(", ") || "none"}); Istio refuses it, and a typo here would send requests to the wrong port`,
          "name one of the ServiceEntry's ports",
          value.keyAt,
        );
    }
  }
}

function checkHosts(f: Field): { host: string; field: Field }[] {
  if (!isSeq(f.node)) return [];
  if (f.node.items.length === 0) f.error("must list at least one host (Istio)", "list the service names destinations use, e.g. hosts: [httpbin]");
  return f.items().flatMap((field) => {
    const host = stringOf(field);
    if (host === undefined) return [];
    if (host === "*") field.error('the host "*" is refused (Istio: "hostname cannot be wildcard")', "name the service, e.g. api.example.com or *.example.com");
    else {
      const problem = domainProblem(host);
      if (problem) field.error(problem, "write a name like httpbin or api.example.com");
      else if (/^\*[^.]/.test(host)) field.warn(`"${host}" is a partial wildcard, which Istio warns about`, "write *.example.com");
    }
    return [{ host, field }];
  });
}

/** Istio: port numbers and names are unique, and names are DNS labels. Returns the declared names. */
function checkPorts(f: Field): Set<string> {
  const names = new Set<string>();
  if (!isSeq(f.node)) return names;
  const numbers = new Set<number>();
  for (const port of f.items()) {
    const number = port.get("number").node;
    if (isScalar(number) && typeof number.value === "number") {
      if (numbers.has(number.value)) port.get("number").error(`port ${number.value} is declared twice (Istio: "port number cannot be duplicated")`, "give each port its own number");
      numbers.add(number.value);
    }
    const name = stringOf(port.get("name"));
    if (name === undefined) continue;
    if (names.has(name)) port.get("name").error(`port name "${name}" is declared twice (Istio)`, "give each port its own name");
    else if (!isDnsLabel(name)) port.get("name").error(`port name "${name}" is not a DNS label (Istio)`, "use letters, digits and inner hyphens, e.g. http-web");
    names.add(name);
  }
  return names;
}

/** A scalar string without reporting (the reader reports wrong types). */
function stringOf(f: Field): string | undefined {
  return isScalar(f.node) && typeof f.node.value === "string" ? f.node.value : undefined;
}
