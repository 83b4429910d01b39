// Operating the mirror in production: the MIRROR_PERCENT_CAP kill switch, and
// requests Envoy never shadows (WebSocket upgrades).
import { describe, expect, it } from "vitest";
import { recordsAt, requestLog, send, mirrorCount } from "../support/harness";

describe("MIRROR_PERCENT_CAP (kill switch, a wrangler var)", () => {
  it("0 stops all mirroring without touching routes.yaml", async () => {
    const sent = await send("http://mirror.test/anything", { env: { MIRROR_PERCENT_CAP: "0" }, random: 0 });
    await sent.settled();
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });

  it("caps a 100 % mirror at the given percentage", async () => {
    const below = await send("http://mirror.test/anything", { env: { MIRROR_PERCENT_CAP: "25" }, random: 0.2499 });
    const above = await send("http://mirror.test/anything", { env: { MIRROR_PERCENT_CAP: "25" }, random: 0.25 });
    await Promise.all([below.settled(), above.settled()]);
    expect(await recordsAt("v2", below.requestId)).toHaveLength(1);
    expect(await recordsAt("v2", above.requestId)).toHaveLength(0);
  });

  it("does not raise a lower route percentage", async () => {
    const sent = await send("http://half.test/", { env: { MIRROR_PERCENT_CAP: "100" }, random: 0.6 });
    await sent.settled();
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
  });

  it("an unreadable value stops mirroring (fail safe) and says why in the log", async () => {
    const sent = await send("http://mirror.test/anything", { env: { MIRROR_PERCENT_CAP: "off" } });
    await sent.settled();
    expect(sent.response.status).toBe(200);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    // In its own field: the request itself succeeded, so `error` stays empty.
    expect(requestLog(sent).killSwitch).toContain('MIRROR_PERCENT_CAP="off" is not a number from 0 to 100');
    expect(requestLog(sent).error).toBeUndefined();
  });
});

describe("WebSocket upgrades (Envoy never shadows upgrades)", () => {
  it("are proxied to the primary with their Upgrade headers and not mirrored", async () => {
    const sent = await send("http://ws.test/socket", { headers: { upgrade: "websocket" } });
    expect(sent.response.status).toBe(101);
    const socket = sent.response.webSocket!;
    const messages: string[] = [];
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (messages.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    socket.addEventListener("message", (e) => messages.push(String(e.data)));
    socket.accept();
    await got(1);
    socket.send("ping");
    await got(2);
    socket.close();
    expect(messages).toEqual(["hello from ws, x-forwarded-host=ws.test", "echo: ping"]);
    await sent.settled();
    expect(mirrorCount(requestLog(sent))).toBe(0);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
  });
});
