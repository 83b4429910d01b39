// The Gateway API conformance ports' route tables: routes.gateway-api.yaml's base
// (Gateway, Services, WorkloadEntries) compiled with each `# case: <ShortName>`
// section alone, as conformance applies each test's manifests on their own. Used by
// global-setup.ts (tables) and the schema test (documents).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileOrThrow } from "../../src/config/compile";
import type { RouteTable } from "../../src/routing/table";

export const GATEWAY_API_ROUTES = fileURLToPath(new URL("./routes.gateway-api.yaml", import.meta.url));

/** `PORT_<ORIGIN NAME>` (upper case) → that origin's port. */
export function withPorts(template: string, ports: Record<string, number>): string {
  return template.replace(/PORT_([A-Z0-9-]+)/g, (_, name: string) => {
    const port = ports[name];
    if (port === undefined) throw new Error(`routes.gateway-api.yaml: no origin for PORT_${name}`);
    return String(port);
  });
}

/** Case ShortName → the routes file text of the base and that case. */
export function conformanceCases(text: string): Record<string, string> {
  const [base, ...sections] = text.split(/^# case: (\S+)\n/m);
  const cases: Record<string, string> = {};
  for (let i = 0; i < sections.length; i += 2) cases[sections[i]!] = base + sections[i + 1]!;
  return cases;
}

export const CONFORMANCE_FILES = fileURLToPath(new URL("../fixtures/gateway-api-conformance/", import.meta.url));

/**
 * Conformance tests ported with their manifests verbatim (test/fixtures/gateway-api-conformance):
 * case name → the upstream files, after the base of routes.gateway-api.yaml (which
 * stands for conformance/base/manifests.yaml). GatewayHTTPListenerIsolation applies two manifests whose Gateways
 * upstream tells apart by address; the edge cannot, so each is its own case here.
 */
export const VERBATIM_CASES: Record<string, string[]> = {
  GatewayHTTPListenerIsolation: ["gateway-http-listener-isolation.yaml"],
  GatewayHTTPListenerIsolationWithHostnameIntersection: ["gateway-http-listener-isolation-with-hostname-intersection.yaml"],
  HTTPRouteListenerPortMatching: ["httproute-listener-port-matching.yaml"],
  HTTPRouteMultipleGateways: ["httproute-multiple-gateways.yaml"],
};

/** Refused with a reason (test/config/gateway-api-conformance.test.ts), so they have no table. */
export const REFUSED_CASES = new Set(["HTTPRouteMultipleGateways"]);

/** A verbatim case's routes file text: routes.gateway-api.yaml's base, then the test's manifests. */
export function verbatimCase(name: string, ports: Record<string, number>): string {
  const [base] = readFileSync(GATEWAY_API_ROUTES, "utf8").split(/^# case: /m);
  const files = VERBATIM_CASES[name];
  if (!files) throw new Error(`no verbatim conformance case "${name}"`);
  return withPorts([base!, ...files.map((f) => readFileSync(`${CONFORMANCE_FILES}${f}`, "utf8"))].join("\n---\n"), ports);
}

export function conformanceTables(ports: Record<string, number>): Record<string, RouteTable> {
  const cases = conformanceCases(withPorts(readFileSync(GATEWAY_API_ROUTES, "utf8"), ports));
  for (const name of Object.keys(VERBATIM_CASES)) if (!REFUSED_CASES.has(name)) cases[name] = verbatimCase(name, ports);
  return Object.fromEntries(Object.entries(cases).map(([name, yaml]) => [name, compileOrThrow(yaml, `routes.gateway-api.yaml (${name})`)]));
}
