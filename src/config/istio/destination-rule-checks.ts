// The DestinationRule rules Istio checks beyond single fields (pkg/config/validation
// ValidateDestinationRule): the host is a domain, subset names are DNS labels, and
// a trafficPolicy sets something. Run on the spec destination-rule.ts has read.
import { isMap, isScalar, isSeq } from "yaml";
import type { Field } from "../field";
import { domainProblem, isDnsLabel } from "./host-name";

export function checkDestinationRule(spec: Field): void {
  const host = spec.get("host").node;
  if (isScalar(host) && typeof host.value === "string") {
    const problem = host.value === "*" ? 'the host "*" names no service' : domainProblem(host.value);
    if (problem) spec.get("host").error(problem, "name the service the subsets belong to, e.g. host: httpbin");
  }
  checkPolicy(spec.get("trafficPolicy"));
  const subsets = spec.get("subsets");
  if (!isSeq(subsets.node)) return;
  for (const subset of subsets.items()) {
    const name = subset.get("name").node;
    if (isScalar(name) && typeof name.value === "string") {
      if (name.value === "") subset.get("name").error("a subset name cannot be empty (Istio)", "name the subset, e.g. name: v1");
      else if (!isDnsLabel(name.value))
        subset.get("name").error(`subset name "${name.value}" is not a DNS label (Istio)`, "use letters, digits and inner hyphens, at most 63, e.g. v1");
    }
    checkPolicy(subset.get("trafficPolicy"));
  }
}

/** Istio: "traffic policy must have at least one field". */
function checkPolicy(f: Field): void {
  if (isMap(f.node) && f.node.items.length === 0) f.error("sets nothing: a trafficPolicy must have at least one field (Istio)", "add a setting, e.g. loadBalancer: {simple: ROUND_ROBIN}, or remove trafficPolicy");
}
