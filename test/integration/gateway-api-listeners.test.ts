// Gateway API conformance, listeners and Gateways (kubernetes-sigs/gateway-api
// conformance/tests/gateway-http-listener-isolation.go and httproute-listener-port-matching.go),
// ported case by case with their manifests verbatim (test/fixtures/gateway-api-conformance):
// each request, with the upstream test's Host (port included) and path, must reach its
// backend or get a 404. httproute-multiple-gateways is refused at build time
// (test/config/gateway-api-conformance.test.ts): the edge cannot tell its Gateways apart.
import { describe, expect, it } from "vitest";
import { backendOf, sendCase } from "../support/conformance";

interface Case {
  host: string;
  path: string;
  /** the backend that must answer, or 404 */
  expect: string | 404;
}

function port(shortName: string, cases: Case[]) {
  it.each(cases.map((c) => ({ ...c, label: `${c.host}${c.path}` })))("$label → $expect", async ({ host, path, expect: wanted }) => {
    const sent = await sendCase(shortName, `http://${host}${path}`);
    if (wanted === 404) {
      expect(sent.response.status).toBe(404);
      expect(backendOf(sent)).toBeNull();
    } else {
      expect(sent.response.status, await sent.response.clone().text()).toBe(200);
      expect(backendOf(sent)).toBe(wanted);
    }
  });
}

const V1 = "infra-backend-v1";
const [V2, V3] = ["infra-backend-v2", "infra-backend-v3"];

/** gateway-http-listener-isolation.go's 16 cases: only the most specific listener's routes answer. */
const ISOLATION: Case[] = [
  { host: "bar.com", path: "/empty-hostname", expect: V1 },
  { host: "bar.com", path: "/wildcard-example-com", expect: 404 },
  { host: "bar.com", path: "/wildcard-foo-example-com", expect: 404 },
  { host: "bar.com", path: "/abc-foo-example-com", expect: 404 },
  { host: "bar.example.com", path: "/empty-hostname", expect: 404 },
  { host: "bar.example.com", path: "/wildcard-example-com", expect: V1 },
  { host: "bar.example.com", path: "/wildcard-foo-example-com", expect: 404 },
  { host: "bar.example.com", path: "/abc-foo-example-com", expect: 404 },
  { host: "bar.foo.example.com", path: "/empty-hostname", expect: 404 },
  { host: "bar.foo.example.com", path: "/wildcard-example-com", expect: 404 },
  { host: "bar.foo.example.com", path: "/wildcard-foo-example-com", expect: V1 },
  { host: "bar.foo.example.com", path: "/abc-foo-example-com", expect: 404 },
  { host: "abc.foo.example.com", path: "/empty-hostname", expect: 404 },
  { host: "abc.foo.example.com", path: "/wildcard-example-com", expect: 404 },
  { host: "abc.foo.example.com", path: "/wildcard-foo-example-com", expect: 404 },
  { host: "abc.foo.example.com", path: "/abc-foo-example-com", expect: V1 },
];

describe("GatewayHTTPListenerIsolation (conformance gateway-http-listener-isolation): hostnames only in listeners", () => {
  port("GatewayHTTPListenerIsolation", ISOLATION);
});

describe("GatewayHTTPListenerIsolation (conformance gateway-http-listener-isolation): intersecting hostnames in listeners and HTTPRoutes", () => {
  port("GatewayHTTPListenerIsolationWithHostnameIntersection", ISOLATION);
});

describe("HTTPRouteListenerPortMatching (conformance httproute-listener-port-matching): the port in the URL picks the listener", () => {
  port("HTTPRouteListenerPortMatching", [
    { host: "foo.com", path: "/", expect: V1 },
    { host: "foo.com:8080", path: "/", expect: V2 },
    { host: "bar.com:8080", path: "/", expect: V2 },
    { host: "foo.com:8090", path: "/", expect: V3 },
    { host: "bar.com:8090", path: "/", expect: 404 },
  ]);
});
