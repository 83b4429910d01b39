// Which x-request-id the worker trusts, and how a bug inside the pipeline is logged:
// the id ties v1's request, v2's shadow and the log lines together, so it must be
// one nobody can use to forge log fields, and it must survive an internal error.
import { describe, expect, it } from "vitest";
import { createExecutionContext, env as bindings, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { RequestLog } from "../../src/observe/log";
import { recordsAt, requestLog, send, shadowLogs, table } from "../support/harness";
import type { RouteTable } from "../../src/routing/table";

describe("x-request-id", () => {
  it("a plain id up to 255 characters is kept on both legs and in the logs", async () => {
    const id = `trace:${"a".repeat(200)}.1-2_3`;
    const sent = await send("http://mirror.test/anything", { headers: { "x-request-id": id } });
    await sent.settled();
    // One line carries the request and its shadow (Envoy: one access-log line per request).
    expect(sent.logs).toHaveLength(1);
    expect(requestLog(sent).requestId).toBe(id);
    expect(shadowLogs(sent).map((l) => l.destination)).toEqual(["httpbin/v2"]);
    expect(await recordsAt("v1", id)).toHaveLength(1);
    expect(await recordsAt("v2", id)).toHaveLength(1);
  });

  it.each([
    ["longer than 255 characters", "a".repeat(256)],
    ["with characters outside [A-Za-z0-9._:-]", 'x", "error": "forged'],
    ["with spaces", "two words"],
  ])("an id %s is replaced by a fresh UUID, on both legs and in the logs", async (_, bad) => {
    const sent = await send("http://mirror.test/anything", { headers: { "x-request-id": bad } });
    await sent.settled();
    const id = requestLog(sent).requestId;
    expect(id).not.toBe(bad);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sent.logs).toHaveLength(1);
    expect(shadowLogs(sent).map((l) => l.destination)).toEqual(["httpbin/v2"]);
    const [primary] = await recordsAt("v1", id);
    expect(primary?.headers["x-request-id"]).toBe(id);
    expect(await recordsAt("v2", id)).toHaveLength(1);
  });
});

// Envoy sets x-request-id in ConnectionManagerUtility::mutateRequestHeaders, before the
// route is chosen (source/common/http/conn_manager_utility.cc: "Generate x-request-id …
// if there is none"), so Istio routes matching on it see the generated id, as Kiali's
// fault demos rely on. request-id.test (routes.integration.yaml): a UUID-shaped id →
// abort 418; any id → v1; no id at all → v2 (unreachable once the id is set first).
describe("x-request-id is set before the route is chosen (Envoy mutateRequestHeaders)", () => {
  /** Sends without the harness's x-request-id: the worker must create one. */
  async function sendBare(headers: Record<string, string> = {}) {
    const logs: RequestLog[] = [];
    const app = createApp(table, { random: () => 0, logger: (line) => logs.push(line as RequestLog) });
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request("http://request-id.test/get", { headers }), { COMPARE_STORE: bindings.COMPARE_STORE }, ctx);
    await waitOnExecutionContext(ctx);
    const line = logs.find((l) => l.event === "request")!;
    return { response, line };
  }

  it("a request sent without an id matches the route keyed on the generated UUID (abort 418)", async () => {
    const { response, line } = await sendBare();
    expect(response.status).toBe(418);
    expect(await response.text()).toBe("fault filter abort");
    expect(line.route).toBe("request-id-routes/generated-id");
    expect(line.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("an untrusted id is replaced before routing: the route sees the fresh UUID, not the bad value", async () => {
    const { response, line } = await sendBare({ "x-request-id": "two words" });
    expect(response.status).toBe(418);
    expect(line.route).toBe("request-id-routes/generated-id");
  });

  it("a plain id the client sent is what the route sees, and what v1 receives", async () => {
    const { response, line } = await sendBare({ "x-request-id": "client-id-1" });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(line.route).toBe("request-id-routes/any-id");
    const [primary] = await recordsAt("v1", "client-id-1");
    expect(primary?.headers["x-request-id"]).toBe("client-id-1");
  });
});

describe("a bug inside the pipeline", () => {
  // A table the compiler would never produce (an invalid regex), so matching throws.
  const broken: RouteTable = JSON.parse(JSON.stringify(table));
  const vhost = broken.virtualHosts.find((v) => v.name === "matching")!;
  vhost.routes[0]!.match = [{ uri: { regex: "(" }, headers: [], withoutHeaders: [], queryParams: [] }];

  // Method, host and path are not on the line: Workers Logs records them per invocation (docs/operations.md "Logs").
  it("answers a short 500 and logs the request's id with error internal", async () => {
    const sent = await send("http://match.test/anything", { method: "DELETE", table: broken });
    expect(sent.response.status).toBe(500);
    expect(await sent.response.text()).toBe("internal error\n");
    const line = requestLog(sent);
    expect(line).toMatchObject({ requestId: sent.requestId, status: 500, error: "internal" });
    expect(line.detail).toMatch(/regular expression|Invalid/i);
    await sent.settled();
    expect(await recordsAt("v1", sent.requestId)).toHaveLength(0);
  });
});
