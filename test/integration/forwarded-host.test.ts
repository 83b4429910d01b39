// X-Forwarded-Host is the worker's to set (issue 17 item 3): origins read their host
// from it (workerd cannot set Host on a subrequest, PLATFORM.md), so a client must not
// choose what v1 reads there. The one exception is a shadow coming back through the
// worker: its value is exactly Envoy's shadow authority of a host this worker serves
// (envoy source/common/router/shadow_writer_impl.cc: `httpbin:8000` →
// `httpbin-shadow:8000`), and then the request is forwarded but never mirrored again.
// Through the worker in workerd, against the loopback origins that record headers.
import { afterAll, describe, expect, it } from "vitest";
import { recordsAt, release, requestLog, send, table } from "../support/harness";
import type { RouteTable } from "../../src/routing/table";

afterAll(release);

/** The integration table plus a VirtualService host `api` (the `mirrored` one: v1, mirrored 100 % to v2). */
const served: RouteTable = structuredClone(table);
served.hosts.exact.api = served.virtualHosts.findIndex((v) => v.name === "mirrored");

async function through(host: string, forwardedHost: string, extra: Record<string, string> = {}) {
  const sent = await send(`http://${host}/headers`, { table: served, headers: { "x-forwarded-host": forwardedHost, ...extra } });
  expect(sent.response.status).toBe(200);
  await sent.settled();
  const [v1] = await recordsAt("v1", sent.requestId);
  const v2 = await recordsAt("v2", sent.requestId);
  return { v1: v1!, v2, log: requestLog(sent) };
}

describe("a forged X-Forwarded-Host is overwritten, and the request is mirrored as any other", () => {
  it.each([
    ["a value with a path that ends in -shadow", "evil.example/x-shadow"],
    ["the -shadow form of a host no VirtualService lists", "other-shadow"],
    ["the same with a port", "other-shadow:8443"],
    ["a plain host of the client's choosing", "evil.example"],
    ["a list of hosts", "api-shadow, evil.example"],
    ["-shadow alone", "-shadow"],
  ])("%s (%s): v1 gets the worker's own value, v2 the shadow authority", async (_, forged) => {
    const { v1, v2, log } = await through("api", forged);
    expect(v1.headers["x-forwarded-host"]).toBe("api");
    expect(v2).toHaveLength(1);
    expect(v2[0]!.headers["x-forwarded-host"]).toBe("api-shadow");
    expect(log.returningShadow).toBeUndefined();
    expect(log.shadows).toHaveLength(1);
  });

  it("the shadow marker does not let a client choose X-Forwarded-Host either: not mirrored (marker), value overwritten", async () => {
    const { v1, v2, log } = await through("api", "evil.example", { "x-edge-mirror-shadow": "1" });
    expect(v1.headers["x-forwarded-host"]).toBe("api");
    expect(v2).toHaveLength(0);
    expect(log).toMatchObject({ returningShadow: true });
    expect(log.shadows).toBeUndefined();
  });
});

describe("the worker's own shadow authority of a host it serves: a returning shadow", () => {
  it.each([
    ["api-shadow", "api"],
    ["api-shadow:8443", "api, with its port"],
    ["API-Shadow", "api, in other case (hosts match case-insensitively)"],
    ["mirror.test-shadow", "another host of the same VirtualService"],
    ["x.wild.test-shadow", "a host served through a wildcard (*.wild.test)"],
  ])("%s (%s): v1 receives it as it came, nothing is mirrored again", async (own) => {
    const { v1, v2, log } = await through("api", own);
    expect(v1.headers["x-forwarded-host"]).toBe(own);
    expect(v2).toHaveLength(0);
    expect(log).toMatchObject({ returningShadow: true });
    expect(log.shadows).toBeUndefined();
  });
});
