// Who may see the dashboard and use its forms: a bearer token, or the login form's
// session cookie (an HMAC of the token's name and expiry, never the token), with the
// cookie's attributes, and the CSRF defence on every form post a cookie authenticates.
import { describe, expect, it } from "vitest";
import type { SwitchState } from "../../src/switch/switch-state";
import { bearer, TOKEN, world, type World } from "../support/switch-world";

const BASE = "http://mirror.test/__edge-mirror/";
const SAME_ORIGIN = { origin: "http://mirror.test" };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

async function login(w: World, token = TOKEN): Promise<string> {
  const answer = await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token, next: "/__edge-mirror/" }) });
  expect(answer.status).toBe(303);
  const cookie = answer.headers.get("set-cookie")!;
  return cookie.split(";")[0]!;
}

async function state(w: World): Promise<SwitchState> {
  return JSON.parse((await w.fetch(`${BASE}api/mirroring`, { headers: bearer() })).text);
}

describe("signing in", () => {
  it("without a configured token every dashboard path is 404, the page included", async () => {
    const w = world({ vars: { EDGE_MIRROR_ADMIN_TOKEN: "" } });
    expect((await w.fetch(BASE)).status).toBe(404);
    expect((await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token: "x" }) })).status).toBe(404);
  });

  it("a browser that is not signed in gets the login form (401), labelled", async () => {
    const answer = await world().fetch(BASE);
    expect(answer.status).toBe(401);
    expect(answer.headers.get("content-type")).toContain("text/html");
    expect(answer.text).toContain('<label for="token">Admin token</label>');
    expect(answer.text).toContain('id="token" name="token" type="password"');
  });

  it("a wrong token is refused with the form again", async () => {
    const answer = await world().fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token: "wrong" }) });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain("That token is not valid.");
    expect(answer.headers.get("set-cookie")).toBeNull();
  });

  it("the right token sets an HttpOnly, Secure, SameSite=Strict cookie scoped to the dashboard, which holds no token", async () => {
    const w = world();
    const answer = await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token: TOKEN, next: "/__edge-mirror/route?name=x" }) });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/__edge-mirror/route?name=x");
    const cookie = answer.headers.get("set-cookie")!;
    for (const attribute of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/__edge-mirror/"]) expect(cookie).toContain(attribute);
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).toMatch(/^edge_mirror_session=alice\.\d+\.[A-Za-z0-9_-]+;/);
    const page = await w.fetch(BASE, { headers: { cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("signed in as <strong>alice</strong>");
  });

  it("a login from another origin, or with no Origin or Referer, is refused", async () => {
    const w = world();
    expect((await w.fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, origin: "https://evil.example" }, body: form({ token: TOKEN }) })).status).toBe(403);
    expect((await w.fetch(`${BASE}login`, { method: "POST", headers: FORM, body: form({ token: TOKEN }) })).status).toBe(403);
  });

  it("a redirect target off the dashboard is replaced by the dashboard", async () => {
    const answer = await world().fetch(`${BASE}login`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ token: TOKEN, next: "https://evil.example/" }) });
    expect(answer.headers.get("location")).toBe("/__edge-mirror/");
  });

  it.each([
    ["a changed name", (v: string) => v.replace(/^edge_mirror_session=alice/, "edge_mirror_session=bob")],
    ["a later expiry", (v: string) => v.replace(/\.(\d+)\./, (_, n: string) => `.${Number(n) + 3600}.`)],
    ["a changed signature", (v: string) => v.slice(0, -2) + (v.endsWith("AA") ? "BB" : "AA")],
    ["garbage", () => "edge_mirror_session=not-a-session"],
  ])("a cookie with %s is not a session", async (_, tamper) => {
    const w = world();
    const cookie = tamper(await login(w));
    expect((await w.fetch(BASE, { headers: { cookie } })).status).toBe(401);
  });

  it("rotating the token ends every session", async () => {
    const w = world();
    const cookie = await login(w);
    const rotated = world({ vars: { EDGE_MIRROR_ADMIN_TOKEN: "alice:rotated-secret-0123456" } });
    expect((await rotated.fetch(BASE, { headers: { cookie } })).status).toBe(401);
  });

  it("signing out clears the cookie", async () => {
    const w = world();
    const cookie = await login(w);
    const answer = await w.fetch(`${BASE}logout`, { method: "POST", headers: { cookie, ...SAME_ORIGIN } });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});

describe("the pause forms", () => {
  it("a same-origin form post with the session pauses, records the signed-in name, and returns to the page it came from", async () => {
    const w = world();
    const cookie = await login(w);
    const answer = await w.fetch(`${BASE}mirroring`, {
      method: "POST",
      headers: { ...FORM, cookie, ...SAME_ORIGIN },
      body: form({ route: "mirrored/http[0]", percentCap: "0", back: "/__edge-mirror/route?name=mirrored%2Fhttp%5B0%5D" }),
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/__edge-mirror/route?name=mirrored%2Fhttp%5B0%5D");
    expect((await state(w)).changes[0]).toMatchObject({ who: "alice", route: "mirrored/http[0]", percentCap: 0 });
    await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ route: "mirrored/http[0]", percentCap: "" }) });
    expect((await state(w)).routes).toEqual({});
  });

  it("a cross-origin form post riding on the cookie changes nothing (403)", async () => {
    const w = world();
    const cookie = await login(w);
    const foreign: Record<string, string>[] = [{ origin: "https://evil.example" }, { referer: "https://evil.example/page" }, {}];
    for (const headers of foreign) {
      const answer = await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, cookie, ...headers }, body: form({ percentCap: "0" }) });
      expect(answer.status).toBe(403);
    }
    expect((await state(w)).changes).toEqual([]);
  });

  it("the Reset counts form (issue 21 item 6) has the same defences: cross-origin 403, no session the login form", async () => {
    const w = world();
    const cookie = await login(w);
    const foreign: Record<string, string>[] = [{ origin: "https://evil.example" }, { referer: "https://evil.example/page" }, {}];
    for (const headers of foreign) {
      const answer = await w.fetch(`${BASE}reset`, { method: "POST", headers: { ...FORM, cookie, ...headers }, body: form({ route: "mirrored/http[0]" }) });
      expect(answer.status).toBe(403);
    }
    const anonymous = await w.fetch(`${BASE}reset`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ route: "mirrored/http[0]" }) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('<label for="token">Admin token</label>');
    // A route that compares nothing has nothing to reset.
    const none = await w.fetch(`${BASE}reset`, { method: "POST", headers: { ...FORM, cookie, ...SAME_ORIGIN }, body: form({ route: "mirrored/http[0]" }) });
    expect(none.status).toBe(404);
  });

  it("a form post without a session is answered with the login form and changes nothing", async () => {
    const w = world();
    const answer = await w.fetch(`${BASE}mirroring`, { method: "POST", headers: { ...FORM, ...SAME_ORIGIN }, body: form({ percentCap: "0" }) });
    expect(answer.status).toBe(401);
    expect((await state(w)).changes).toEqual([]);
  });
});

describe("the page's response", () => {
  it("carries a CSP whose nonce is the inline style's and script's, and is never cached", async () => {
    const answer = await world().fetch(BASE, { headers: bearer() });
    expect(answer.status).toBe(200);
    const csp = answer.headers.get("content-security-policy")!;
    const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(answer.text).toContain(`<style nonce="${nonce}">`);
    expect(answer.text).toContain(`<script nonce="${nonce}">`);
    expect(answer.headers.get("cache-control")).toBe("no-store");
  });

  it("a route page for a route that mirrors nothing or does not exist is 404", async () => {
    const answer = await world().fetch(`${BASE}route?name=${encodeURIComponent("nope/http[0]")}`, { headers: bearer() });
    expect(answer.status).toBe(404);
  });
});
