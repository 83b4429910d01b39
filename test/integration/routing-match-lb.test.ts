// HTTPMatchRequest scheme and port, and DestinationRule trafficPolicy.loadBalancer
// across a subset with two endpoints (v1 and v1b, both labelled version: v1):
// DestinationRule "pool" says ROUND_ROBIN; subset "sticky" overrides it with
// consistentHash on x-user, subset "random" with RANDOM.
import { describe, expect, it } from "vitest";
import { requestLog, send, type SendOptions } from "../support/harness";

async function originFor(url: string, init: SendOptions = {}): Promise<{ origin: string | null; route?: string }> {
  const sent = await send(url, init);
  await sent.response.arrayBuffer();
  await sent.settled();
  return { origin: sent.response.headers.get("x-origin"), route: requestLog(sent).route };
}

describe("istio virtual_service.proto HTTPMatchRequest.port and .scheme", () => {
  it("match port 8443: Host x.test:8443 matches, x.test:8000 does not", async () => {
    expect(await originFor("http://port.test:8443/")).toEqual({ origin: "v2", route: "scheme-port/port-8443" });
    expect(await originFor("http://port.test:8000/")).toEqual({ origin: "v1", route: "scheme-port/default" });
  });

  it("match port reads the port from the Host header the client sent", async () => {
    expect((await originFor("http://port.test/", { headers: { host: "port.test:8443" } })).origin).toBe("v2");
    expect((await originFor("http://port.test/", { headers: { host: "port.test:8000" } })).origin).toBe("v1");
  });

  it("without a port in Host, the port is the scheme's default (443 for https is not 8443)", async () => {
    expect((await originFor("https://port.test/")).route).toBe("scheme-port/https");
  });

  it("match scheme https vs http (the request URL's scheme)", async () => {
    expect(await originFor("https://port.test/x")).toEqual({ origin: "v3", route: "scheme-port/https" });
    expect(await originFor("http://port.test/x")).toEqual({ origin: "v1", route: "scheme-port/default" });
  });
});

describe("istio destination_rule.proto LoadBalancerSettings", () => {
  it("simple ROUND_ROBIN (DestinationRule level, inherited by subset rr) alternates between the two endpoints", async () => {
    const seen: (string | null)[] = [];
    for (let i = 0; i < 6; i++) seen.push((await originFor("http://lb.test/rr", { random: 0 })).origin);
    expect(new Set(seen)).toEqual(new Set(["v1", "v1b"]));
    for (let i = 1; i < seen.length; i++) expect(seen[i], `request ${i}`).not.toBe(seen[i - 1]);
  });

  it("consistentHash httpHeaderName x-user: the same user always reaches the same endpoint, whatever the random source", async () => {
    for (const user of ["alice", "bob", "carol", "dave"]) {
      const seen = new Set<string | null>();
      for (const random of [0, 0.3, 0.6, 0.99]) seen.add((await originFor("http://lb.test/hash", { random, headers: { "x-user": user } })).origin);
      expect(seen.size, user).toBe(1);
    }
  });

  it("consistentHash httpHeaderName x-user: different users spread over both endpoints", async () => {
    const seen = new Set<string | null>();
    for (let i = 0; i < 16; i++) seen.add((await originFor("http://lb.test/hash", { random: 0, headers: { "x-user": `user-${i}` } })).origin);
    expect(seen).toEqual(new Set(["v1", "v1b"]));
  });

  it("consistentHash without the header: Envoy picks an endpoint at random", async () => {
    expect((await originFor("http://lb.test/hash", { random: 0 })).origin).toBe("v1");
    expect((await originFor("http://lb.test/hash", { random: 0.99 })).origin).toBe("v1b");
  });

  it("a subset's trafficPolicy overrides the DestinationRule's: subset random (RANDOM) follows the draw, never rotates", async () => {
    for (let i = 0; i < 4; i++) expect((await originFor("http://lb.test/random", { random: 0 })).origin).toBe("v1");
    for (let i = 0; i < 4; i++) expect((await originFor("http://lb.test/random", { random: 0.99 })).origin).toBe("v1b");
  });

  it("statistical: consistent hashing spreads 300 distinct users about evenly over two endpoints (±3 binomial σ)", async () => {
    let v1 = 0;
    for (let i = 0; i < 300; i++) {
      const user = `u-${Math.random().toString(36).slice(2)}-${i}`;
      if ((await originFor("http://lb.test/hash", { headers: { "x-user": user } })).origin === "v1") v1++;
    }
    // mean 150, σ = √(300·0.25) ≈ 8.7
    expect(v1).toBeGreaterThanOrEqual(124);
    expect(v1).toBeLessThanOrEqual(176);
  });
});
