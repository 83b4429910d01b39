// Istio's Destination message (istio/api networking/v1 virtual_service.proto),
// shared by a VirtualService's routes and mirrors.
import type { Field, KeyRules } from "./field";

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
  const host = hostField.string();
  const subset = f.get("subset").string();
  let port: number | undefined;
  const portField = f.get("port");
  if (portField.checkMap(PORT_SELECTOR)) port = portField.get("number").port();
  return host === undefined ? undefined : { host, subset, port, field: f };
}
