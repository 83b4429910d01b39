// Istio Gateways at the edge: which hosts a gateway-bound VirtualService serves
// (its hosts ∩ its Gateways' hosts), what wins when a gateway host and a mesh host
// overlap (the gateway's routes), match[].gateways, namespaces, and the Gateway
// servers the worker serves, skips or refuses.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import type { RouteTable } from "../../src/routing/table";
import { explainJson } from "../../src/tools/explain-json";

const BACKENDS = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: web}
spec:
  hosts: [web, mesh-api]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: 9081}}]`;

/** An Istio Gateway; `servers` is the YAML list under spec.servers (indented 2). */
function gateway(name: string, servers: string, metadata = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}${metadata}}
spec:
  selector: {istio: ingressgateway}
  servers:
${servers}`;
}

const HTTP_SERVER = (hosts: string) => `  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ${hosts}`;

/** A VirtualService routing everything to `host`; `extra` goes under spec (indented 2), `http` replaces the routes. */
function virtualService(name: string, hosts: string, extra = "", http = "  - route: [{destination: {host: web}}]", metadata = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}${metadata}}
spec:
  hosts: ${hosts}
${extra ? `${extra}\n` : ""}  http:
${http}`;
}

const file = (...docs: string[]) => [...docs, BACKENDS].join("\n---\n");
const problems = (yaml: string, severity: "error" | "warning") =>
  compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem).join("\n");

function table(yaml: string): RouteTable {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

/** Which VirtualService serves `authority`, and with which route (null: refused). */
function served(t: RouteTable, authority: string, path = "/", headers: [string, string][] = []) {
  const plan = explainJson(t, "GET", `http://${authority}${path}`, headers);
  return plan.action === "refuse" ? `${plan.reason}` : `${plan.virtualService} ${plan.route}`;
}

describe("a gateway-bound VirtualService serves its hosts that its Gateways expose", () => {
  it("VirtualService * through a Gateway exposing two hosts serves exactly those (Istio's host intersection)", () => {
    const t = table(file(gateway("public", HTTP_SERVER('["api.example.com", "*.shop.example.com"]')), virtualService("front", '["*"]', "  gateways: [public]")));
    expect(t.hosts).toEqual({ exact: { "api.example.com": 0 }, wildcards: [{ suffix: ".shop.example.com", vhost: 0 }] });
    expect(served(t, "api.example.com")).toBe("front front/http[0]");
    expect(served(t, "eu.shop.example.com:8080")).toBe("front front/http[0]");
    expect(served(t, "example.com")).toBe("no_virtual_service");
    expect(served(t, "shop.example.com")).toBe("no_virtual_service");
  });

  it("a Gateway exposing * serves the VirtualService's own hosts", () => {
    const t = table(file(gateway("public", HTTP_SERVER('["*"]')), virtualService("front", "[api.example.com, '*.example.org']", "  gateways: [public]")));
    expect(t.hosts).toEqual({ exact: { "api.example.com": 0 }, wildcards: [{ suffix: ".example.org", vhost: 0 }] });
  });

  it("a host the Gateway does not expose is an error with the fix (Istio would not serve it)", () => {
    const yaml = file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[api.example.com, admin.example.com]", "  gateways: [public]"));
    expect(problems(yaml, "error")).toContain(
      'spec.hosts[1]: host "admin.example.com" is not exposed by Gateway public (hosts: api.example.com), so Istio would not serve it there\n    fix: add it to the Gateway\'s servers[].hosts, or remove it from this VirtualService\'s hosts',
    );
  });

  it("naming a Gateway that is not in the file is an error that says how to add it", () => {
    const yaml = file(virtualService("front", "[api.example.com]", "  gateways: [public]"));
    expect(problems(yaml, "error")).toContain(
      'VirtualService front: spec.gateways[0]: no Gateway named "public" in this file (defined: none)\n    fix: add the Gateway (kind: Gateway, networking.istio.io) with servers[].hosts exposing this VirtualService\'s hosts, or list mesh to serve them without one',
    );
  });

  it("two gateway-bound VirtualServices may not serve the same host", () => {
    const yaml = file(
      gateway("public", HTTP_SERVER('["*"]')),
      virtualService("a", "[api.example.com]", "  gateways: [public]"),
      gateway("partners", HTTP_SERVER("[api.example.com]")),
      virtualService("b", '["*"]', "  gateways: [partners]"),
    );
    expect(problems(yaml, "error")).toContain('VirtualService b: spec.hosts[0]: host "api.example.com" is already routed by VirtualService a (through a Gateway)');
  });

  it("gateways: [public, mesh] serves the exposed hosts through the Gateway and the others as mesh hosts", () => {
    const t = table(file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[api.example.com, web]", "  gateways: [public, mesh]")));
    expect(t.hosts.exact).toEqual({ "api.example.com": 0, web: 0 });
  });
});

describe("a gateway host and a mesh host that overlap: the gateway's routes win", () => {
  it("a mesh host covered by a gateway host is not served from the mesh VirtualService, with a warning", () => {
    const yaml = file(gateway("public", HTTP_SERVER('["*"]')), virtualService("ingress", '["*"]', "  gateways: [public]"), virtualService("mesh-api", "[mesh-api]"));
    expect(problems(yaml, "error")).toBe("");
    expect(problems(yaml, "warning")).toContain(
      'VirtualService mesh-api: spec.hosts[0]: host "mesh-api" is not served from this mesh VirtualService: gateway-bound VirtualService ingress serves "*", and the worker is the gateway (at an Istio ingress gateway only gateway-bound routes apply)',
    );
    const t = table(yaml);
    expect(t.hosts).toEqual({ exact: {}, wildcards: [], catchAll: 0 });
    expect(served(t, "mesh-api")).toBe("ingress ingress/http[0]");
  });

  it("overlaps that do not cover resolve by the usual precedence: a gateway's exact host beats a mesh wildcard, the mesh keeps the rest", () => {
    const t = table(file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("ingress", "[api.example.com]", "  gateways: [public]"), virtualService("mesh", '["*.example.com"]')));
    expect(served(t, "api.example.com")).toBe("ingress ingress/http[0]");
    expect(served(t, "other.example.com")).toBe("mesh mesh/http[0]");
  });

  it("a longer gateway wildcard beats a shorter mesh wildcard; a mesh * is the fallback", () => {
    const t = table(file(gateway("public", HTTP_SERVER('["*.shop.example.com"]')), virtualService("ingress", '["*"]', "  gateways: [public]"), virtualService("mesh", '["*.example.com"]')));
    expect(served(t, "eu.shop.example.com")).toBe("ingress ingress/http[0]");
    expect(served(t, "api.example.com")).toBe("mesh mesh/http[0]");
  });

  it("the same VirtualService bound to a Gateway and the mesh is served once, through the Gateway, without a warning", () => {
    const yaml = file(gateway("public", HTTP_SERVER('["*"]')), virtualService("front", "[api.example.com]", "  gateways: [public, mesh]"));
    expect(problems(yaml, "warning")).toBe("");
    expect(table(yaml).hosts.exact).toEqual({ "api.example.com": 0 });
  });
});

describe("match[].gateways", () => {
  const routes = `  - match: [{uri: {prefix: /admin}, gateways: [mesh]}]
    directResponse: {status: 403}
  - match: [{uri: {prefix: /}, gateways: [public]}]
    route: [{destination: {host: web}}]
  - route: [{destination: {host: mesh-api}}]`;

  it("blocks for other gateways are left out, and a route whose blocks all go is dropped (Istio builds a gateway's routes with its own name)", () => {
    const t = table(file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[api.example.com]", "  gateways: [public]", routes)));
    expect(t.virtualHosts[0]!.routes.map((r) => r.name)).toEqual(["front/http[1]", "front/http[2]"]);
    expect(served(t, "api.example.com", "/admin")).toBe("front front/http[1]");
  });

  it("a block naming only a gateway the VirtualService is not bound to is a warning: it never applies", () => {
    const yaml = file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[api.example.com]", "  gateways: [public]", routes));
    expect(problems(yaml, "warning")).toContain("spec.http[0].match[0].gateways: names only mesh, which this VirtualService is not bound to, so the block never applies");
  });

  it("a mesh VirtualService keeps the mesh blocks", () => {
    const t = table(file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[web]", "", routes)));
    expect(t.virtualHosts[0]!.routes.map((r) => r.name)).toEqual(["front/http[0]", "front/http[2]"]);
    expect(served(t, "web", "/admin")).toBe("front front/http[0]");
  });

  it("blocks that tell apart hosts served through different gateways are refused: the worker keeps one route list per VirtualService", () => {
    const yaml = file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[api.example.com, web]", "  gateways: [public, mesh]", routes));
    expect(problems(yaml, "error")).toContain(
      "spec.http[0].match: match[].gateways select different blocks for this VirtualService's hosts (served through public; mesh), and the worker keeps one route list per VirtualService\n    fix: split the VirtualService into one per gateway",
    );
  });

  it("an unknown gateway in a block is an error whose fix does not widen the block", () => {
    const yaml = file(gateway("public", HTTP_SERVER("[api.example.com]")), virtualService("front", "[api.example.com]", "  gateways: [public]", "  - match: [{gateways: [privat]}]\n    route: [{destination: {host: web}}]"));
    const error = compileRoutes(yaml).problems.find((p) => p.path === "spec.http[0].match[0].gateways[0]");
    expect(error?.message).toBe('no Gateway named "privat" in this file (defined: public)');
    expect(error?.fix).toContain("removing the block's gateways would apply it everywhere");
  });
});

describe("gateway names and namespaces", () => {
  const edgeGateway = gateway("public", HTTP_SERVER('["prod/api.example.com", "*/www.example.com", "./status.example.com"]'), ", namespace: edge");

  it.each([
    ["namespace/name", "[edge/public]", ", namespace: prod"],
    ["Istio's legacy FQDN", "[public.edge.svc.cluster.local]", ", namespace: prod"],
    ["a short name from a resource without a namespace (kubectl apply -n puts both in one)", "[public]", ""],
  ])("%s", (_, refs, metadata) => {
    const t = table(file(edgeGateway, virtualService("front", "[api.example.com, www.example.com]", `  gateways: ${refs}`, undefined, metadata)));
    expect(t.hosts.exact).toEqual({ "api.example.com": 0, "www.example.com": 0 });
  });

  it("a host exposed for one namespace is not served to a VirtualService of another", () => {
    const yaml = file(edgeGateway, virtualService("front", "[api.example.com]", "  gateways: [edge/public]", undefined, ", namespace: dev"));
    expect(problems(yaml, "error")).toContain('host "api.example.com" is not exposed by Gateway public');
  });

  it("./ is the Gateway's own namespace", () => {
    expect(table(file(edgeGateway, virtualService("status", "[status.example.com]", "  gateways: [public]", undefined, ", namespace: edge"))).hosts.exact).toEqual({ "status.example.com": 0 });
    expect(problems(file(edgeGateway, virtualService("status", "[status.example.com]", "  gateways: [edge/public]", undefined, ", namespace: prod")), "error")).toContain("is not exposed");
  });

  it("a Gateway referenced from the wrong namespace is not found; one name in two namespaces must be qualified", () => {
    expect(problems(file(edgeGateway, virtualService("front", "[api.example.com]", "  gateways: [prod/public]")), "error")).toContain('no Gateway named "public" in namespace prod in this file (defined: edge/public)');
    const twice = file(edgeGateway, gateway("public", HTTP_SERVER('["*"]'), ", namespace: other"), virtualService("front", "[api.example.com]", "  gateways: [public]"));
    expect(problems(twice, "error")).toContain('Gateway "public" is defined in several namespaces (edge/public, other/public)\n    fix: write namespace/name');
  });
});

describe("Gateway servers: what the worker serves, skips and refuses", () => {
  const bound = (servers: string) => file(gateway("public", servers), virtualService("front", "[api.example.com]", "  gateways: [public]"));

  it("HTTPS with mode SIMPLE is served; its certificate settings are Cloudflare's, with a warning", () => {
    const yaml = bound("  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [api.example.com]\n    tls: {mode: SIMPLE, credentialName: api-cert, minProtocolVersion: TLSV1_2}");
    expect(problems(yaml, "error")).toBe("");
    expect(problems(yaml, "warning")).toContain(
      "spec.servers[0].tls: credentialName, minProtocolVersion: not used; Cloudflare terminates TLS for the worker with the zone's edge certificate and TLS settings",
    );
    expect(table(yaml).hosts.exact).toEqual({ "api.example.com": 0 });
  });

  it("httpsRedirect is a warning that names Cloudflare's setting", () => {
    expect(problems(bound(`${HTTP_SERVER("[api.example.com]")}\n    tls: {httpsRedirect: true}`), "warning")).toContain("spec.servers[0].tls.httpsRedirect: is not done by the worker\n    fix: turn on Always Use HTTPS for the zone");
  });

  it.each([
    ["TCP", "  - port: {number: 31400, name: tcp, protocol: TCP}\n    hosts: [api.example.com]", "protocol TCP is not HTTP, and a Worker proxies HTTP requests only"],
    ["TLS passthrough", "  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [api.example.com]\n    tls: {mode: PASSTHROUGH}", "tls.mode PASSTHROUGH passes TLS through by SNI"],
    ["ISTIO_MUTUAL", "  - port: {number: 15443, name: https, protocol: HTTPS}\n    hosts: [api.example.com]\n    tls: {mode: ISTIO_MUTUAL}", "tls.mode ISTIO_MUTUAL admits only mesh workloads holding istiod's certificates"],
    ["gRPC", "  - port: {number: 9000, name: grpc, protocol: GRPC}\n    hosts: [api.example.com]", "protocol GRPC needs gRPC upstream (HTTP/2 with trailers)"],
  ])("a %s server is skipped with a warning, so its hosts are not exposed (the VirtualService's error points at the warning)", (_, servers, reason) => {
    const yaml = bound(servers);
    expect(problems(yaml, "warning")).toContain(`spec.servers[0]: skipped: ${reason}`);
    expect(problems(yaml, "error")).toContain(
      'spec.hosts[0]: host "api.example.com" is exposed by Gateway public only on a server the worker does not serve (the warning on spec.servers[0] says why), so the worker would answer 404 where Istio serves it',
    );
  });

  it("mode MUTUAL is refused: serving it would let in clients without a certificate; its VirtualService is not told the host is unexposed", () => {
    // istio.io secure-ingress task, "Configure a mutual TLS ingress gateway": one error, at the mode.
    const yaml = bound("  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [api.example.com]\n    tls: {mode: MUTUAL, credentialName: c}");
    const errors = compileRoutes(yaml).problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => p.path)).toEqual(["spec.servers[0].tls.mode"]);
    expect(errors[0]!.message).toContain("MUTUAL requires client certificates, which the worker cannot ask for");
  });

  it("bind is refused with a fix that does not expose an internal server", () => {
    const yaml = bound(`${HTTP_SERVER("[api.example.com]")}\n    bind: 127.0.0.1`);
    const error = compileRoutes(yaml).problems.find((p) => p.path === "spec.servers[0].bind");
    expect(error?.message).toContain("cannot apply at the edge: binds the server to an address inside the gateway pod");
    expect(error?.fix).toContain("remove this server");
  });

  it("server fields are checked like every other field", () => {
    expect(problems(bound(`${HTTP_SERVER("[api.example.com]")}\n    hots: [x]`), "error")).toContain('spec.servers[0].hots: unknown field "hots"\n    fix: did you mean "hosts"?');
    expect(problems(bound("  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [api.example.com/path]"), "error")).toContain('spec.servers[0].hosts[0]: "api.example.com/path" is not a gateway host');
    expect(problems(bound("  - port: {number: 80, name: http, protocol: SPDY}\n    hosts: [api.example.com]"), "error")).toContain('spec.servers[0].port.protocol: unknown protocol "SPDY"');
  });
});
