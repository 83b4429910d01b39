// The pause switch, through the worker: POST /__edge-mirror/api/mirroring caps
// mirroring globally or per route without a deploy, the cap composes with
// MIRROR_PERCENT_CAP (the lower wins), every change is recorded with who and when,
// and a fresh isolate honours a pause from its very first request.
import { describe, expect, it } from "vitest";
import type { SwitchState } from "../../src/switch/switch-state";
import { recordsAt } from "../support/harness";
import { bearer, OTHER_TOKEN, setCaps, TOKEN, world, type World } from "../support/switch-world";

async function mirrored(w: World, url: string): Promise<number> {
  const answer = await w.fetch(url);
  expect(answer.status).toBe(200);
  expect(answer.headers.get("x-origin")).toBe("v1");
  return (await recordsAt("v2", answer.requestId)).length;
}

describe("the API", () => {
  it("answers 404 without EDGE_MIRROR_ADMIN_TOKEN, and 401 without a valid bearer token", async () => {
    const w = world({ vars: { EDGE_MIRROR_ADMIN_TOKEN: "" } });
    expect((await setCaps(w, { percentCap: 0 })).status).toBe(404);
    const configured = world();
    expect((await configured.fetch("http://mirror.test/__edge-mirror/api/mirroring")).status).toBe(401);
    const wrong = await configured.fetch("http://mirror.test/__edge-mirror/api/mirroring", { headers: bearer("guess") });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("GET shows the state: no caps and no history at first", async () => {
    const answer = await world().fetch("http://mirror.test/__edge-mirror/api/mirroring", { headers: bearer() });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ routes: {}, changes: [] });
  });

  it.each([
    [{ percentCap: 101 }, "from 0 to 100"],
    [{ route: "mirrored/nope", percentCap: 0 }, 'no route named "mirrored/nope"'],
    ["not json", "expected a JSON object"],
  ])("refuses %j with 400 and the reason", async (body, why) => {
    const w = world();
    const answer = await w.fetch("http://mirror.test/__edge-mirror/api/mirroring", { method: "POST", headers: bearer(), body: typeof body === "string" ? body : JSON.stringify(body) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toContain(why);
  });
});

describe("pausing", () => {
  it("a global pause stops every mirror at once in this isolate; resuming restores them", async () => {
    const w = world();
    expect(await mirrored(w, "http://mirror.test/a")).toBe(1);
    expect((await setCaps(w, { percentCap: 0 })).status).toBe(200);
    expect(await mirrored(w, "http://mirror.test/b")).toBe(0);
    expect(await mirrored(w, "http://absent.test/b")).toBe(0);
    expect((await setCaps(w, { percentCap: null })).status).toBe(200);
    expect(await mirrored(w, "http://mirror.test/c")).toBe(1);
  });

  it("a route's pause stops that route only, and clearing it resumes it", async () => {
    const w = world();
    expect((await setCaps(w, { route: "mirrored/http[0]", percentCap: 0 })).status).toBe(200);
    expect(await mirrored(w, "http://mirror.test/a")).toBe(0);
    expect(await mirrored(w, "http://absent.test/a")).toBe(1);
    await setCaps(w, { route: "mirrored/http[0]", percentCap: null });
    expect(await mirrored(w, "http://mirror.test/b")).toBe(1);
  });

  it("a cap samples: a draw under it is mirrored, one over it is not", async () => {
    const low = world({ random: 0.2 });
    await setCaps(low, { route: "mirrored/http[0]", percentCap: 25 });
    expect(await mirrored(low, "http://mirror.test/a")).toBe(1);
    const high = world({ random: 0.3 });
    await setCaps(high, { route: "mirrored/http[0]", percentCap: 25 });
    expect(await mirrored(high, "http://mirror.test/a")).toBe(0);
  });

  it("composes with MIRROR_PERCENT_CAP: the lower cap wins, whichever it is", async () => {
    const byVar = world({ random: 0.3, vars: { MIRROR_PERCENT_CAP: "20" } });
    await setCaps(byVar, { percentCap: 50 });
    expect(await mirrored(byVar, "http://mirror.test/a")).toBe(0);
    const bySwitch = world({ random: 0.3, vars: { MIRROR_PERCENT_CAP: "50" } });
    await setCaps(bySwitch, { percentCap: 20 });
    expect(await mirrored(bySwitch, "http://mirror.test/a")).toBe(0);
    const neither = world({ random: 0.1, vars: { MIRROR_PERCENT_CAP: "50" } });
    await setCaps(neither, { percentCap: 20 });
    expect(await mirrored(neither, "http://mirror.test/a")).toBe(1);
  });

  it("another isolate, fresh, honours the pause from its first request: the shadow waits for the switch and is skipped", async () => {
    const w = world();
    await setCaps(w, { percentCap: 0 });
    const fresh = w.another();
    expect(await mirrored(fresh, "http://mirror.test/first")).toBe(0);
    // The request's one line carries the skipped shadow.
    expect(fresh.logs).toEqual([expect.objectContaining({ event: "request", status: 200, shadows: [expect.objectContaining({ skipped: "kill_switch", destination: "httpbin/v2" })] })]);
    expect(await mirrored(fresh, "http://mirror.test/second")).toBe(0);
  });

  it("a fresh isolate with no pause mirrors its first request (after reading the switch)", async () => {
    const fresh = world();
    expect(await mirrored(fresh, "http://mirror.test/first")).toBe(1);
  });
});

describe("the history", () => {
  it("records every change, newest first, with the token's name and the time; it is the Durable Object's, so any isolate sees it", async () => {
    const w = world();
    const before = Date.now();
    await setCaps(w, { percentCap: 0 });
    await setCaps(w, { route: "mirrored/http[0]", percentCap: 10 }, OTHER_TOKEN);
    await setCaps(w, { percentCap: null });
    const state = JSON.parse((await w.another().fetch("http://mirror.test/__edge-mirror/api/mirroring", { headers: bearer(TOKEN) })).text) as SwitchState;
    expect(state.percentCap).toBeUndefined();
    expect(state.routes).toEqual({ "mirrored/http[0]": 10 });
    expect(state.changes.map(({ who, route, percentCap }) => ({ who, route, percentCap }))).toEqual([
      { who: "alice", route: undefined, percentCap: null },
      { who: "bob", route: "mirrored/http[0]", percentCap: 10 },
      { who: "alice", route: undefined, percentCap: 0 },
    ]);
    for (const c of state.changes) expect(c.at).toBeGreaterThanOrEqual(before);
  });

  it("a token without a name is recorded as admin", async () => {
    const w = world({ vars: { EDGE_MIRROR_ADMIN_TOKEN: "plain-secret-0123456" } });
    await setCaps(w, { percentCap: 5 }, "plain-secret-0123456");
    const state = JSON.parse((await w.fetch("http://mirror.test/__edge-mirror/api/mirroring", { headers: bearer("plain-secret-0123456") })).text) as SwitchState;
    expect(state.changes[0]).toMatchObject({ who: "admin", percentCap: 5 });
  });
});
