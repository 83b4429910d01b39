// ServiceEntry ports of protocols a Worker cannot proxy (TCP, gRPC, MONGO, …):
// skipped with a warning when no HTTP route uses them, refused with the reason
// when one does; targetPort; and which port a destination without one takes.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";

function file(ports: string, destination = "{host: db}"): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front}
spec:
  hosts: [db.example.com]
  http:
  - route: [{destination: ${destination}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db}
spec:
  hosts: [db]
  resolution: DNS
  ports:
${ports}
  endpoints: [{address: db.internal.example.com}]`;
}

const HTTP = "  - {number: 8080, name: http, protocol: HTTP}";
const problems = (yaml: string, severity: "error" | "warning") =>
  compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem).join("\n");

describe("ServiceEntry ports of other protocols", () => {
  it.each([
    ["TCP", "  - {number: 5432, name: pg, protocol: TCP}", "protocol TCP is not HTTP, and a Worker proxies HTTP requests only; no HTTP route uses port 5432"],
    ["MONGO, from the port name's prefix", "  - {number: 27017, name: mongo-primary}", "protocol MONGO is not HTTP, and a Worker proxies HTTP requests only; no HTTP route uses port 27017"],
    ["GRPC", "  - {number: 9000, name: grpc, protocol: GRPC}", "protocol GRPC needs gRPC upstream (HTTP/2 with trailers), which a Worker's fetch() cannot send; no HTTP route uses port 9000"],
  ])("%s, used by no HTTP route: skipped with a warning, and the file builds", (_, port, warning) => {
    const yaml = file(`${HTTP}\n${port}`);
    expect(problems(yaml, "error")).toBe("");
    expect(problems(yaml, "warning")).toContain(`spec.ports[1]: skipped: ${warning}, so the worker ignores it`);
    expect(compileRoutes(yaml).table!.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["http://db.internal.example.com:8080"]);
  });

  it("used by an HTTP route: an error with the reason", () => {
    const yaml = file(`${HTTP}\n  - {number: 5432, name: pg, protocol: TCP}`, "{host: db, port: {number: 5432}}");
    expect(problems(yaml, "error")).toContain(
      "spec.http[0].route[0].destination.port: port 5432 of ServiceEntry db cannot take this HTTP route: protocol TCP is not HTTP, and a Worker proxies HTTP requests only\n    fix: route to an HTTP or HTTPS port of the service",
    );
    expect(problems(yaml, "warning")).not.toContain("skipped");
  });

  it("the only port being TCP, a destination without a port is refused too", () => {
    expect(problems(file("  - {number: 5432, name: pg, protocol: TCP}"), "error")).toContain("spec.http[0].route[0].destination: port 5432 of ServiceEntry db cannot take this HTTP route");
  });

  it("a destination without a port takes the only HTTP port; with two HTTP ports it must choose", () => {
    expect(problems(file(`${HTTP}\n  - {number: 5432, name: pg, protocol: TCP}`), "error")).toBe("");
    expect(problems(file(`${HTTP}\n  - {number: 8443, name: https, protocol: HTTPS}\n  - {number: 5432, name: pg, protocol: TCP}`), "error")).toContain(
      "ServiceEntry db has 2 HTTP ports, so the destination must choose one",
    );
  });

  it("a protocol Istio does not know is an error", () => {
    expect(problems(file(`${HTTP}\n  - {number: 5432, name: pg, protocol: POSTGRES}`), "error")).toContain('spec.ports[1].protocol: unknown protocol "POSTGRES"');
  });

  it("targetPort is where the endpoints listen", () => {
    const yaml = file("  - {number: 80, name: http, protocol: HTTP, targetPort: 8081}");
    expect(compileRoutes(yaml).table!.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["http://db.internal.example.com:8081"]);
  });
});
