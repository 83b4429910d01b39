// Istio's Destination and Percent messages (istio/api networking/v1
// virtual_service.proto), shared by a VirtualService's routes and mirrors.
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
  if (portField.checkMap({ known: ["number"] })) {
    port = portField.get("number").number();
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      portField.get("number").error(`must be a port number 1..65535, found ${port}`);
      port = undefined;
    }
  }
  return host === undefined ? undefined : { host, subset, port, field: f };
}

/** Istio Percent `{value: double}`, 0..100 (istio pkg/config/validation). */
export function readPercent(f: Field): number | undefined {
  if (!f.checkMap({ known: ["value"] })) return undefined;
  const value = f.get("value");
  if (!value.present) return 0; // proto3 default of an empty Percent
  const n = value.number();
  if (n === undefined) return undefined;
  if (n < 0 || n > 100) {
    value.error(`must be between 0 and 100, found ${n}`, "a percentage of requests, e.g. value: 10.5");
    return undefined;
  }
  return n;
}
