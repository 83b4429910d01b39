// One admin rule (issue 17 item 4), through the worker in workerd with the real
// MIRROR_SWITCH and ADMIN_GUARD Durable Objects: a secret is accepted whole or
// refused whole (503, the proxy unaffected); the same bearer check on every admin
// path (RFC 6750 §2.1 syntax, §3.1 error codes); signing out ends the name's sessions
// everywhere; the pause form and API take only digits; redirect targets stay under
// the prefix; failed guesses are limited per client with 429 and Retry-After
// (RFC 6585 §4).
import { describe, expect, it } from "vitest";
import type { SwitchState } from "../../src/switch/switch-state";
import { bearer, OTHER_TOKEN, setCaps, TOKEN, world, type World } from "../support/switch-world";
import { recordsAt } from "../support/harness";

const BASE = "http://mirror.test/__edge-mirror/";
const SAME_ORIGIN = { origin: "http://mirror.test" };
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function signIn(w: World, token = TOKEN, extra: Record<string, string> = {}): Promise<string> {
  const answer = await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN, ...extra }, body: form({ token, next: "/__edge-mirror/" }) });
  expect(answer.status).toBe(303);
  return answer.headers.get("set-cookie")!.split(";")[0]!;
}

async function state(w: World): Promise<SwitchState> {
  return JSON.parse((await w.fetch(`${BASE}api/mirroring`, { headers: bearer() })).text);
}

/** Every admin path, as a request a client might send. */
const PATHS: [string, RequestInit][] = [
  ["", {}],
  ["route?name=mirrored%2Fhttp%5B0%5D", {}],
  ["api/report", {}],
  ["metrics", {}],
  ["api/mirroring", {}],
  ["api/mirroring", { method: "POST", body: '{"percentCap":0}' }],
  ["mirroring", { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ percentCap: "0" }) }],
  ["logout", { method: "POST", headers: SAME_ORIGIN }],
  ["nothing-here", {}],
];

describe("a secret that is not a usable token is refused whole, when the admin surface starts", () => {
  it.each([
    ["a short token beside a good one", `alice:${TOKEN}, bob:b0b-secret`, 'token "bob" is 10 characters long'],
    ["a token outside RFC 6750's set", `alice:${TOKEN}, carol:Carol!Tok#9$x-0123456`, 'token "carol" has characters outside'],
    ["a one-character token", "x", "the token is 1 character long"],
  ])("%s: every admin path answers 503 naming it, the good token included; the proxy keeps working", async (_, secret, why) => {
    const w = world({ vars: { EDGE_MIRROR_ADMIN_TOKEN: secret } });
    for (const [path, init] of PATHS) {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${TOKEN}`);
      const answer = await w.fetch(`${BASE}${path}`, { ...init, headers });
      expect(answer.status, path).toBe(503);
      expect(answer.text).toContain(why);
      expect(answer.text).toContain("EDGE_MIRROR_ADMIN_TOKEN");
      expect(answer.text).not.toContain("b0b-secret");
      expect(answer.text).not.toContain("Carol!");
    }
    const login = await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token: TOKEN }) });
    expect(login.status).toBe(503);
    expect(login.headers.get("set-cookie")).toBeNull();
    expect((await state(world())).changes).toEqual([]);
    const proxied = await w.fetch("http://mirror.test/anything");
    expect(proxied.status).toBe(200);
    expect(proxied.headers.get("x-origin")).toBe("v1");
    expect(await recordsAt("v2", proxied.requestId)).toHaveLength(1);
  });
});

describe("the same bearer check on every admin path (RFC 6750)", () => {
  it.each([["Basic dXNlcjpwYXNz"], ["Bearer"], ["Bearer Carol!Tok#9$x-0123456"], [`Bearer ${TOKEN} extra`]])("%j is a bad request (400, invalid_request) on every path", async (authorization) => {
    const w = world();
    for (const [path, init] of PATHS) {
      const headers = new Headers(init.headers);
      headers.set("authorization", authorization);
      const answer = await w.fetch(`${BASE}${path}`, { ...init, headers });
      expect(answer.status, path).toBe(400);
      expect(answer.headers.get("www-authenticate")).toContain('error="invalid_request"');
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect((await state(w)).changes).toEqual([]);
  });

  it("a well-formed token that is not configured is 401 (invalid_token) on every API path; pages show the sign-in form", async () => {
    const w = world();
    for (const [path, init] of PATHS) {
      const headers = new Headers(init.headers);
      headers.set("authorization", "Bearer not-a-configured-token");
      const answer = await w.fetch(`${BASE}${path}`, { ...init, headers });
      expect(answer.status, path).toBe(401);
      if (path.startsWith("api/") || path === "metrics" || path === "nothing-here") expect(answer.headers.get("www-authenticate")).toContain('error="invalid_token"');
      else expect(answer.text).toContain('<label for="token">Admin token</label>');
    }
  });

  it("the right token works on every path, the scheme in any case", async () => {
    const w = world();
    expect((await w.fetch(`${BASE}api/report`, { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect((await w.fetch(BASE, { headers: { authorization: `BEARER  ${TOKEN}` } })).status).toBe(200);
    expect((await w.fetch(`${BASE}nothing-here`, { headers: bearer() })).status).toBe(404);
  });
});

describe("signing out ends the session everywhere", () => {
  it("every cookie of that name stops working, in every isolate; other names keep theirs; signing in again works", async () => {
    const w = world();
    const laptop = await signIn(w);
    const phone = await signIn(w);
    const bob = await signIn(w, OTHER_TOKEN);
    const elsewhere = w.another();
    expect((await elsewhere.fetch(BASE, { headers: { cookie: phone } })).status).toBe(200);

    const out = await w.fetch(`${BASE}logout`, { method: "POST", headers: { cookie: laptop, ...SAME_ORIGIN } });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");

    // A copied cookie no longer works: not here, not in another isolate, not the other browser's.
    for (const [isolate, cookie] of [[w, laptop], [w, phone], [elsewhere, laptop], [elsewhere, phone]] as const) {
      expect((await isolate.fetch(BASE, { headers: { cookie } })).status).toBe(401);
      expect((await isolate.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ percentCap: "0" }) })).status).toBe(401);
    }
    expect((await state(w)).changes).toEqual([]);
    expect((await elsewhere.fetch(BASE, { headers: { cookie: bob } })).status).toBe(200);
    const again = await signIn(w);
    expect((await elsewhere.fetch(BASE, { headers: { cookie: again } })).status).toBe(200);
    // Bearer tokens are not sessions: signing out does not touch them.
    expect((await w.fetch(`${BASE}api/report`, { headers: bearer() })).status).toBe(200);
  });
});

describe("the pause form and API take 0..100 as digits with at most 4 decimal places, nothing else", () => {
  it.each([" ", "0x10", "1e-320", "1e2", "-1", "101", "100.0001", "5.00001", "12.", ".5", " 5", "5 ", "+5", "Infinity", "NaN", "٥"])("form percentCap=%j: 400 with the reason, nothing changed", async (cap) => {
    const w = world();
    const cookie = await signIn(w);
    const answer = await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ percentCap: cap, back: BASE }) });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("from 0 to 100");
    expect((await state(w)).changes).toEqual([]);
  });

  it.each([
    ["0", 0],
    ["100", 100],
    ["12.5", 12.5],
    ["99.9999", 99.9999],
    ["007", 7],
    ["100.0000", 100],
  ])("form percentCap=%j is %d", async (cap, value) => {
    const w = world();
    const cookie = await signIn(w);
    const answer = await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ percentCap: cap }) });
    expect(answer.status).toBe(303);
    expect((await state(w)).percentCap).toBe(value);
  });

  it.each(["1e-320", "0.00001", "100.5", "-0.5", '"5"', "true", "1e400"])("API percentCap %s: 400 with the reason", async (raw) => {
    const w = world();
    const answer = await w.fetch(`${BASE}api/mirroring`, { method: "POST", headers: bearer(), body: `{"percentCap": ${raw}}` });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toContain("from 0 to 100");
    expect((await state(w)).changes).toEqual([]);
  });

  it("API percentCap 12.3456 is taken", async () => {
    const w = world();
    expect((await setCaps(w, { percentCap: 12.3456 })).status).toBe(200);
    expect((await state(w)).percentCap).toBe(12.3456);
  });
});

describe("back and next stay under the admin prefix; control characters are a 400, not a 500", () => {
  it.each(["/__edge-mirror/\r\nSet-Cookie: x=1", "/__edge-mirror/\n", "/__edge-mirror/\u0000", "\r\n"])("back=%j: 400, nothing changed", async (back) => {
    const w = world();
    const cookie = await signIn(w);
    const answer = await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ percentCap: "0", back }) });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("control characters");
    expect((await state(w)).changes).toEqual([]);
  });

  it("next with CR/LF on sign-in: 400, no cookie", async () => {
    const answer = await world().fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token: TOKEN, next: "/__edge-mirror/\r\nx: y" }) });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("set-cookie")).toBeNull();
  });

  it.each([
    ["/__edge-mirror/route?name=a%2Fb", "/__edge-mirror/route?name=a%2Fb"],
    ["/__edge-mirror/../admin", "/__edge-mirror/"],
    ["/__edge-mirror/%2e%2e/admin", "/__edge-mirror/"],
    ["/__edge-mirror//evil.example/", "/__edge-mirror/"],
    ["/__edge-mirror/\\evil.example", "/__edge-mirror/"],
    ["https://evil.example/__edge-mirror/", "/__edge-mirror/"],
    ["//evil.example/__edge-mirror/", "/__edge-mirror/"],
  ])("back=%j → Location %s", async (back, location) => {
    const w = world();
    const cookie = await signIn(w);
    const answer = await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ percentCap: "", back }) });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe(location);
  });
});

describe("failed guesses are limited per client: 10 a minute, then 429 with Retry-After", () => {
  const from = (ip: string) => ({ "cf-connecting-ip": ip });

  it("after 10 wrong bearer tokens and sign-ins, every credential from that address is 429, the right one included; others are not", async () => {
    const w = world();
    const attacker = from("198.51.100.7");
    for (let i = 0; i < 5; i++) expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(`guess-${i}-0123456789abcdef`), ...attacker } })).status).toBe(401);
    for (let i = 0; i < 5; i++) {
      const answer = await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN, ...attacker }, body: form({ token: `guess-${i}` }) });
      expect(answer.status).toBe(401);
    }
    for (const request of [
      () => w.fetch(`${BASE}api/report`, { headers: { ...bearer(), ...attacker } }),
      () => w.fetch(`${BASE}api/mirroring`, { method: "POST", headers: { ...bearer(), ...attacker }, body: '{"percentCap":0}' }),
      () => w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN, ...attacker }, body: form({ token: TOKEN }) }),
      () => w.another().fetch(`${BASE}api/report`, { headers: { ...bearer("another-guess-0123456789"), ...attacker } }),
    ]) {
      const answer = await request();
      expect(answer.status).toBe(429);
      const wait = Number(answer.headers.get("retry-after"));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
      expect(answer.headers.get("set-cookie")).toBeNull();
    }
    expect((await state(w)).changes).toEqual([]);
    expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(), ...from("198.51.100.8") } })).status).toBe(200);
  });

  it("right tokens are not counted: 20 in a row all answer", async () => {
    const w = world();
    for (let i = 0; i < 20; i++) expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(), ...from("192.0.2.1") } })).status).toBe(200);
  });

  it("an IPv6 client is its /64: addresses in one /64 share the count, another /64 does not", async () => {
    const w = world();
    for (let i = 1; i <= 10; i++) expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(`guess-${i}-0123456789abcdef`), ...from(`2001:db8:0:1::${i.toString(16)}`) } })).status).toBe(401);
    expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(), ...from("2001:0db8:0000:0001:ffff::1") } })).status).toBe(429);
    expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(), ...from("2001:db8:0:2::1") } })).status).toBe(200);
  });

  it("a malformed header or a missing credential is not a guess", async () => {
    const w = world();
    const client = from("203.0.113.9");
    for (let i = 0; i < 12; i++) {
      expect((await w.fetch(`${BASE}api/report`, { headers: { authorization: "Basic dXNlcjpwYXNz", ...client } })).status).toBe(400);
      expect((await w.fetch(`${BASE}api/report`, { headers: client })).status).toBe(401);
    }
    expect((await w.fetch(`${BASE}api/report`, { headers: { ...bearer(), ...client } })).status).toBe(200);
  });
});
