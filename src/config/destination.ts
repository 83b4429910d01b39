// Istio's Destination message (istio/api networking/v1 virtual_service.proto),
// shared by a VirtualService's routes and mirrors.
import type { Field, KeyRules } from "./field";
import { domainProblem, isDnsLabel } from "./istio/host-name";

export interface DestinationSpec {
  host: string;
  subset?: string;
  port?: number;
  field: Field;
}

export const DESTINATION: KeyRules = { known: ["host", "subset", "port"] };
/** Destination.port, Istio's PortSelector. */
export const PORT_SELECTOR: KeyRules = { known: ["number"] };

export function readDestination(f: Field): DestinationSpec | undefined {
  if (!f.require("add destination: {host: <ServiceEntry host>, subset: <DestinationRule subset>}")) return undefined;
  if (!f.checkMap(DESTINATION)) return undefined;
  const hostField = f.get("host");
  hostField.require("name the service, e.g. host: httpbin");
  let host = hostField.string();
  const problem = host === undefined ? undefined : host === "*" ? "a destination names one service, not *" : domainProblem(host);
  if (problem) {
    hostField.error(problem, "name a host a ServiceEntry registers, e.g. host: httpbin");
    host = undefined;
  }
  const subsetField = f.get("subset");
  const subset = subsetField.string();
  if (subset !== undefined && !isDnsLabel(subset)) {
    subsetField.error(`subset name "${subset}" is not a DNS label (Istio)`, "use letters, digits and inner hyphens, at most 63, e.g. v1");
    host = undefined;
  }
  let port: number | undefined;
  const portField = f.get("port");
  if (portField.checkMap(PORT_SELECTOR)) {
    portField.get("number").require("name the ServiceEntry port, e.g. port: {number: 8000}");
    port = portField.get("number").port();
  }
  return host === undefined ? undefined : { host, subset, port, field: f };
}
