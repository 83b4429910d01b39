// Istio HTTPMatchRequest semantics end to end: the first matching http[] entry
// wins; blocks are ORed, conditions within a block ANDed; regexes match in full.
import { describe, expect, it } from "vitest";
import { records, recordsAt, requestLog, send, mirrorCount } from "../support/harness";

async function originFor(url: string, init: RequestInit = {}): Promise<string | null> {
  const sent = await send(url, init);
  await sent.settled();
  return sent.response.headers.get("x-origin");
}

describe("header and uri matches", () => {
  it("routes x-user: alice to v2 (headers exact)", async () => {
    expect(await originFor("http://match.test/anything", { headers: { "x-user": "alice" } })).toBe("v2");
    expect(await originFor("http://match.test/anything", { headers: { "x-user": "alicia" } })).toBe("v1");
  });

  it("ANDs uri prefix with method inside one block", async () => {
    expect(await originFor("http://match.test/api/items", { method: "POST", body: "x" })).toBe("v3");
    expect(await originFor("http://match.test/api/items")).toBe("v1");
  });

  it("ORs the blocks: the regex block alone routes to v3, matched in full", async () => {
    expect(await originFor("http://match.test/v12/items")).toBe("v3");
    expect(await originFor("http://match.test/v12/items/more")).toBe("v1");
    expect(await originFor("http://match.test/x/v12/items")).toBe("v1");
  });

  it("takes the first matching route in order", async () => {
    // Matches both alice-to-v2 and api-to-v3: the first wins.
    const sent = await send("http://match.test/api/x", { method: "POST", body: "x", headers: { "x-user": "alice" } });
    expect(sent.response.headers.get("x-origin")).toBe("v2");
    expect(requestLog(sent).route).toBe("matching/alice-to-v2");
  });
});

describe("requests the worker cannot serve", () => {
  it("answers an unknown host with 404 and contacts no origin", async () => {
    const sent = await send("http://not-configured.example/headers");
    await sent.settled();
    expect(sent.response.status).toBe(404);
    expect(await sent.response.text()).toBe('no VirtualService for host "not-configured.example"\n');
    expect(await recordsAt("v1", sent.requestId)).toHaveLength(0);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    expect(requestLog(sent).error).toBe("no_virtual_service");
  });

  it("answers 404 when no route of the VirtualService matches", async () => {
    // redirect.test has a VirtualService whose every route matches a uri prefix; /nothing matches none.
    const sent = await send("http://redirect.test/nothing");
    await sent.settled();
    expect(sent.response.status).toBe(404);
    expect(await sent.response.text()).toBe("no route matched\n");
    expect(requestLog(sent)).toMatchObject({ error: "no_route", virtualService: "local-answers" });
    expect(mirrorCount(requestLog(sent))).toBe(0);
    expect(requestLog(sent).route).toBeUndefined();
    expect((await records(sent.requestId)).records).toEqual([]);
  });
});
