// Istio's Destination message (istio/api networking/v1 virtual_service.proto),
// shared by a VirtualService's routes and mirrors.
import type { Field } from "./field";

export interface DestinationSpec {
  host: string;
  subset?: string;
  port?: number;
  field: Field;
}

export function readDestination(f: Field): DestinationSpec | undefined {
  if (!f.require("add destination: {host: <ServiceEntry host>, subset: <DestinationRule subset>}")) return undefined;
  if (!f.checkMap({ known: ["host", "subset", "port"] })) return undefined;
  const hostField = f.get("host");
  hostField.require("name the service, e.g. host: httpbin");
  const host = hostField.string();
  const subset = f.get("subset").string();
  let port: number | undefined;
  const portField = f.get("port");
  if (portField.checkMap({ known: ["number"] })) port = portField.get("number").port();
  return host === undefined ? undefined : { host, subset, port, field: f };
}
