// One ported Istio validation case, and the YAML helpers the case tables write
// them with. Each case carries Istio's verdict; test/config/istio-validation.test.ts
// compiles it and requires edge-mirror's verdict to agree, or the case to name the
// docs/reference.md row that says why the edge differs.

export interface IstioCase {
  /** where the case comes from: `<Istio test function>/<its case name>`, or the rule it ports */
  name: string;
  /** Istio's verdict */
  istio: "valid" | "invalid";
  /** the resources (YAML documents) of the case; the test adds the fixture around them */
  yaml: string;
  /** when edge-mirror refuses the case (agreeing or not): a piece of the error that must be among its errors */
  error?: string;
  /** when edge-mirror's verdict differs from Istio's: the first cell of the docs/reference.md row that explains it */
  edge?: string;
}

const indent = (text: string, by: number) => text.replace(/^(?=.)/gm, " ".repeat(by));

export function virtualService(spec: string, name = "case"): string {
  return `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${name}}\nspec:\n${indent(spec, 2)}`;
}

export function destinationRule(spec: string, name = "case"): string {
  return `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${name}}\nspec:\n${indent(spec, 2)}`;
}

export function serviceEntry(spec: string, name = "case"): string {
  return `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ${name}}\nspec:\n${indent(spec, 2)}`;
}

/** An Istio Gateway exposing `hosts` over HTTP (`namespace/name` names it in another namespace). */
export function gateway(ref: string, hosts = '["*"]'): string {
  const [namespace, name] = ref.includes("/") ? ref.split("/", 2) : [undefined, ref];
  const metadata = namespace === undefined ? `{name: ${name}}` : `{name: ${name}, namespace: ${namespace}}`;
  return `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: ${metadata}\nspec:\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ${hosts}}]`;
}

/** A VirtualService for host foo.bar with one http route, written as the YAML of that route's fields. */
export function httpRoute(route: string): string {
  return virtualService(`hosts: [foo.bar]\nhttp:\n- ${indent(route, 2).trimStart()}`);
}

/** The destination most route cases use: a fixture host with one port. */
export const TO_FOO_BAZ = "route: [{destination: {host: foo.baz}}]";
