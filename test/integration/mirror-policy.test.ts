// MirrorPolicy (edge-mirror.dev/v1alpha1): mirror settings Istio has no field for,
// each shown against the recording origins: v1 is the primary, v2 the shadow.
import { describe, expect, it } from "vitest";
import { recordsAt, requestLog, send, shadowLogs, type SendOptions, mirrorCount } from "../support/harness";

async function both(url: string, init: SendOptions = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-request-id", `mp-${crypto.randomUUID()}`);
  const sent = await send(url, { ...init, headers });
  await sent.response.arrayBuffer();
  await sent.settled();
  const primary = await recordsAt("v1", sent.requestId);
  const shadow = await recordsAt("v2", sent.requestId);
  return { sent, primary, shadow };
}

describe("MirrorPolicy hostSuffix", () => {
  it("hostSuffix: false → the shadow's X-Forwarded-Host has no -shadow suffix and it carries x-edge-mirror-shadow: 1", async () => {
    const { primary, shadow } = await both("http://nosuffix.test/headers");
    expect(shadow).toHaveLength(1);
    expect(shadow[0]!.headers["x-forwarded-host"]).toBe("nosuffix.test");
    expect(shadow[0]!.headers["x-edge-mirror-shadow"]).toBe("1");
    expect(primary[0]!.headers["x-forwarded-host"]).toBe("nosuffix.test");
    expect(primary[0]!.headers["x-edge-mirror-shadow"]).toBeUndefined();
  });

  it("a shadow with the marker coming back through the worker is forwarded but never mirrored again", async () => {
    const { sent, primary, shadow } = await both("http://nosuffix.test/headers", { headers: { "x-edge-mirror-shadow": "1" } });
    expect(primary).toHaveLength(1);
    expect(shadow).toHaveLength(0);
    expect(requestLog(sent)).toMatchObject({ returningShadow: true });
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });
});

describe("MirrorPolicy shadowHeaders", () => {
  it("remove [authorization, cookie] and set {x-shadow: 1} change the shadow only; the primary is unchanged", async () => {
    const { primary, shadow } = await both("http://shadowheaders.test/headers", {
      headers: { authorization: "Bearer secret", cookie: "session=abc", "x-shadow": "client" },
    });
    expect(shadow).toHaveLength(1);
    expect(shadow[0]!.headers.authorization).toBeUndefined();
    expect(shadow[0]!.headers.cookie).toBeUndefined();
    expect(shadow[0]!.headers["x-shadow"]).toBe("1");
    expect(shadow[0]!.headers["x-forwarded-host"]).toBe("shadowheaders.test-shadow");
    expect(primary[0]!.headers.authorization).toBe("Bearer secret");
    expect(primary[0]!.headers.cookie).toBe("session=abc");
    expect(primary[0]!.headers["x-shadow"]).toBe("client");
  });
});

describe("MirrorPolicy methods", () => {
  it("methods [GET]: a GET is mirrored", async () => {
    const { shadow } = await both("http://mirrormethods.test/anything");
    expect(shadow).toEqual([expect.objectContaining({ method: "GET" })]);
  });

  it("methods [GET]: a POST is forwarded but not mirrored", async () => {
    const { sent, primary, shadow } = await both("http://mirrormethods.test/anything", { method: "POST", body: "x=1", headers: { "content-length": "3" } });
    expect(primary).toEqual([expect.objectContaining({ method: "POST", bodyBytes: 3 })]);
    expect(shadow).toHaveLength(0);
    expect(mirrorCount(requestLog(sent))).toBe(0);
    expect(shadowLogs(sent)).toEqual([]);
  });
});

describe("MirrorPolicy bodyCapBytes", () => {
  it("bodyCapBytes: 100 → a 200-byte POST reaches v1 whole and is not mirrored (shadow log skipped: body_too_large)", async () => {
    const body = new TextEncoder().encode("b".repeat(200));
    const { sent, primary, shadow } = await both("http://bodycap.test/anything", { method: "POST", body, headers: { "content-length": "200" } });
    expect(primary).toEqual([expect.objectContaining({ bodyBytes: 200, complete: true })]);
    expect(shadow).toHaveLength(0);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ destination: "httpbin/v2", skipped: "body_too_large" })]);
  });

  it("bodyCapBytes: 100 → a 100-byte POST (at the cap) is mirrored with its body", async () => {
    const body = new TextEncoder().encode("c".repeat(100));
    const { shadow } = await both("http://bodycap.test/anything", { method: "POST", body, headers: { "content-length": "100" } });
    expect(shadow).toEqual([expect.objectContaining({ method: "POST", bodyBytes: 100 })]);
  });
});

describe("MirrorPolicy sampleKey (mirrorPercentage 50, keyed on x-user)", () => {
  /** Whether each of 20 requests of `user` was mirrored, with draws from 0 to 0.95. */
  async function mirroredFor(user: string): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = await send("http://samplekey.test/anything", { random: i / 20, headers: { "x-user": user } });
      await sent.response.arrayBuffer();
      await sent.settled();
      out.push(mirrorCount(requestLog(sent)));
    }
    return out;
  }

  it("the same x-user is consistently mirrored or not across 20 requests, whatever the random source", async () => {
    const verdicts = new Set<number>();
    for (const user of ["alice", "bob", "carol", "dave", "erin", "frank"]) {
      const seen = await mirroredFor(user);
      expect(new Set(seen).size, `${user}: ${seen.join("")}`).toBe(1);
      verdicts.add(seen[0]!);
    }
    // Six users at 50 %: both verdicts occur (fixed by the hash, so this never flakes).
    expect(verdicts).toEqual(new Set([0, 1]));
  });

  it("a keyed verdict reaches the origins: mirrored users' requests arrive at v2", async () => {
    for (const user of ["alice", "bob", "carol", "dave"]) {
      const a = await both("http://samplekey.test/anything", { random: 0, headers: { "x-user": user } });
      const b = await both("http://samplekey.test/anything", { random: 0.999, headers: { "x-user": user } });
      expect(a.shadow.length, user).toBe(mirrorCount(requestLog(a.sent)));
      expect(b.shadow.length, user).toBe(a.shadow.length);
    }
  });

  it("about half of 300 distinct users are mirrored (±3 binomial σ), although every draw is 0", async () => {
    let mirrored = 0;
    for (let i = 0; i < 300; i++) {
      const sent = await send("http://samplekey.test/anything", { random: 0, headers: { "x-user": `${crypto.randomUUID()}` } });
      await sent.response.arrayBuffer();
      await sent.settled();
      mirrored += mirrorCount(requestLog(sent));
    }
    // mean 150, σ ≈ 8.7; an unkeyed draw of 0 would mirror all 300.
    expect(mirrored).toBeGreaterThanOrEqual(124);
    expect(mirrored).toBeLessThanOrEqual(176);
  });

  it("a request without x-user is sampled at random (0.4 mirrored, 0.6 not)", async () => {
    expect((await both("http://samplekey.test/anything", { random: 0.4 })).shadow).toHaveLength(1);
    expect((await both("http://samplekey.test/anything", { random: 0.6 })).shadow).toHaveLength(0);
  });
});

describe("MirrorPolicy targetRef.route", () => {
  it("a policy targeting one route by name shapes that route's shadow", async () => {
    const { sent, shadow } = await both("http://policyroute.test/shaped/x");
    expect(requestLog(sent).route).toBe("mp-one-route/shaped");
    expect(shadow).toHaveLength(1);
    expect(shadow[0]!.headers["x-forwarded-host"]).toBe("policyroute.test");
    expect(shadow[0]!.headers["x-edge-mirror-shadow"]).toBe("1");
    expect(shadow[0]!.headers["x-shadow"]).toBe("shaped");
  });

  it("…and leaves the VirtualService's other routes at Istio's defaults (-shadow suffix, no marker, no extra headers)", async () => {
    const { sent, shadow } = await both("http://policyroute.test/other");
    expect(requestLog(sent).route).toBe("mp-one-route/plain");
    expect(shadow).toHaveLength(1);
    expect(shadow[0]!.headers["x-forwarded-host"]).toBe("policyroute.test-shadow");
    expect(shadow[0]!.headers["x-edge-mirror-shadow"]).toBeUndefined();
    expect(shadow[0]!.headers["x-shadow"]).toBeUndefined();
  });
});
