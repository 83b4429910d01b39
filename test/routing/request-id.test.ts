// The x-request-id is decided before routing (Envoy's mutateRequestHeaders), but the
// client's headers are copied to carry it only when the table reads it: otherwise the
// forwarded headers get it anyway and routing never looks (a copy per request costs
// ~3 % of the hot path's CPU: npm run bench:before-after, 2026-12-07).
import { describe, expect, it } from "vitest";
import { readsRequestId, withRequestId } from "../../src/routing/request-facts";
import type { RouteTable } from "../../src/routing/table";
import { testRoute } from "../support/test-route";

const tableOf = (...routes: ReturnType<typeof testRoute>[]): RouteTable => ({ version: 1, source: "t", virtualHosts: [{ name: "vs", hosts: ["a"], routes }] }) as unknown as RouteTable;

describe("withRequestId", () => {
  const plain = tableOf(testRoute("vs/plain"));
  const matching = tableOf(testRoute("vs/keyed", { match: [{ headers: { "x-request-id": { exact: "1" } } }] as never }));
  const formatted = tableOf(testRoute("vs/fmt", { headers: { request: { set: { "x-trace": "%REQ(X-Request-Id)%" } } } as never }));

  it("finds the header wherever the table names it, in any case", () => {
    expect(readsRequestId(plain)).toBe(false);
    expect(readsRequestId(matching)).toBe(true);
    expect(readsRequestId(formatted)).toBe(true);
  });

  it("routing sees the generated id when the table reads it; otherwise the client's headers are used as they are", () => {
    const incoming = new Headers({ accept: "*/*" });
    const forMatching = withRequestId(incoming, null, "generated", matching);
    expect(forMatching.get("x-request-id")).toBe("generated");
    expect(forMatching).not.toBe(incoming);
    expect(withRequestId(incoming, null, "generated", plain)).toBe(incoming);
    // explain passes no table: it always shows the id it routes with.
    expect(withRequestId(incoming, null, "generated").get("x-request-id")).toBe("generated");
  });

  it("a client id kept as sent is never copied", () => {
    const incoming = new Headers({ "x-request-id": "mine" });
    expect(withRequestId(incoming, "mine", "mine", matching)).toBe(incoming);
  });
});
