// Istio HTTPRetry as Envoy's router applies it (retry_on conditions, num_retries,
// per_try_timeout), against origins that fail on purpose: "flaky" (test/support/
// flaky-origin.ts) fails the first try of each request and answers later ones;
// "refused" refuses connections; "reset" drops them.
import { describe, expect, it } from "vitest";
import { recordsAt, requestLog, send, sha256, shadowLogs, type SendOptions } from "../support/harness";

async function sendOnce(url: string, init: SendOptions = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-request-id", `rt-${crypto.randomUUID()}`);
  const started = Date.now();
  const sent = await send(url, { ...init, headers });
  const text = await sent.response.text();
  const elapsed = Date.now() - started;
  await sent.settled();
  return { sent, text, elapsed, status: sent.response.status, log: requestLog(sent) };
}

const triesAt = async (origin: string, requestId: string) => (await recordsAt(origin, requestId)).length;

describe("istio virtual_service.proto HTTPRetry retryOn", () => {
  it("retryOn 5xx, attempts 2: a 503 on the first try is retried; the client gets the 200 and the origin saw 2 tries", async () => {
    const { sent, status, text, log } = await sendOnce("http://retry.test/5xx/anything");
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ origin: "flaky", try: 2, url: "/5xx/anything" });
    expect(await triesAt("flaky", sent.requestId)).toBe(2);
    expect(log).toMatchObject({ tries: 2, status: 200, route: "retries/on-5xx" });
  });

  it("retryOn 5xx retries a 500 too (Envoy: any 5xx)", async () => {
    const { sent, status } = await sendOnce("http://retry.test/5xx/fail-first/500/x");
    expect(status).toBe(200);
    expect(await triesAt("flaky", sent.requestId)).toBe(2);
  });

  it("the shadow is sent once, not once per try (Envoy shadows the request, not the upstream attempts)", async () => {
    const { sent } = await sendOnce("http://retry.test/5xx/anything");
    expect(await triesAt("flaky", sent.requestId)).toBe(2);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ destination: "httpbin/v2", status: 200 })]);
  });

  it("a POST with a small body (Content-Length) is buffered and retried with the same body on both tries", async () => {
    const body = crypto.getRandomValues(new Uint8Array(2048));
    const digest = await sha256(body);
    const { sent, status } = await sendOnce("http://retry.test/5xx/upload", {
      method: "POST",
      body,
      headers: { "content-type": "application/octet-stream", "content-length": String(body.length) },
    });
    expect(status).toBe(200);
    const tries = await recordsAt("flaky", sent.requestId);
    expect(tries).toHaveLength(2);
    for (const t of tries) expect(t).toMatchObject({ method: "POST", bodyBytes: 2048, bodySha256: digest, complete: true });
    // …and the shadow got the same body, once.
    const shadows = await recordsAt("v2", sent.requestId);
    expect(shadows).toHaveLength(1);
    expect(shadows[0]).toMatchObject({ method: "POST", bodyBytes: 2048, bodySha256: digest });
  });

  it("a streamed body (no Content-Length) cannot be sent twice, so it is not retried (documented)", async () => {
    const bytes = new TextEncoder().encode("streamed body");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const { sent, status } = await sendOnce("http://retry.test/5xx/stream", { method: "POST", body: stream });
    expect(status).toBe(503);
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
  });

  it("retryOn gateway-error retries a 502/503 (Envoy: 502, 503, 504)", async () => {
    const a = await sendOnce("http://retry.test/gateway-error/fail-first/502/x");
    expect(a.status).toBe(200);
    expect(await triesAt("flaky", a.sent.requestId)).toBe(2);
    const b = await sendOnce("http://retry.test/gateway-error/x");
    expect(b.status).toBe(200);
    expect(b.log.tries).toBe(2);
  });

  it("retryOn gateway-error does NOT retry a 500: the client gets the 500 and the origin saw 1 try", async () => {
    const { sent, status, text, log } = await sendOnce("http://retry.test/gateway-error/fail-first/500/x");
    expect(status).toBe(500);
    expect(text).toBe("flaky: try 1 fails with 500\n");
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
    expect(log.tries).toBeUndefined();
  });

  it('retriable-status-codes via retryOn "503" (Istio: a bare status code adds retriable-status-codes): 503 retried', async () => {
    const { sent, status, log } = await sendOnce("http://retry.test/codes/x");
    expect(status).toBe(200);
    expect(await triesAt("flaky", sent.requestId)).toBe(2);
    expect(log.tries).toBe(2);
  });

  it('retryOn "503" does not retry a 500', async () => {
    const { sent, status } = await sendOnce("http://retry.test/codes/fail-first/500/x");
    expect(status).toBe(500);
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
  });

  it("istio retry.go ConvertPolicy: retries without retryOn keep Istio's default conditions, which since Istio 1.24 list no status code (istio/istio#52111), so a 503 is not retried", async () => {
    // Istio's DefaultPolicy: RetryOn "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
    // with no RetriableStatusCodes; a policy without retryOn keeps it.
    const { sent, status } = await sendOnce("http://retry.test/default/x");
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
    expect(status).toBe(503);
  });

  it("retryOn connect-failure against a refused port: every try fails → 503, log tries: 3", async () => {
    const { status, text, log } = await sendOnce("http://retry.test/connect/x");
    expect(status).toBe(503);
    expect(text).toBe("upstream connect error or disconnect/reset before headers\n");
    expect(log).toMatchObject({ tries: 3, error: "upstream_unavailable", destination: "httpbin/refused" });
  });

  it("retryOn connect-failure does not retry an answered 503", async () => {
    const { sent, status } = await sendOnce("http://retry.test/connect-only/x");
    expect(status).toBe(503);
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
  });

  it("retryOn reset, attempts 1: a connection reset before headers is retried once, then 503", async () => {
    const { sent, status, log } = await sendOnce("http://retry.test/reset/x");
    expect(status).toBe(503);
    expect(await triesAt("reset", sent.requestId)).toBe(2);
    expect(log.tries).toBe(2);
  });

  it("without a retries field Istio's default policy applies: a refused connection is retried twice (pilot retry DefaultPolicy: 2 retries on connect-failure)", async () => {
    const { status, log } = await sendOnce("http://primary-down.test/x");
    expect(status).toBe(503);
    expect(log).toMatchObject({ tries: 3, error: "upstream_unavailable" });
  });

  it("without a retries field an answered 503 is not retried (Istio ≥ 1.24 dropped 503 from the default policy: istio/istio#52111)", async () => {
    const { sent, status, log } = await sendOnce("http://retry.test/plain");
    expect(status).toBe(503);
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
    expect(log.tries).toBeUndefined();
  });

  it("without a retries field a 500 is not retried (the default policy retries connect failures only)", async () => {
    const { sent, status, log } = await sendOnce("http://retry.test/fail-first/500/x");
    expect(status).toBe(500);
    expect(await triesAt("flaky", sent.requestId)).toBe(1);
    expect(log.tries).toBeUndefined();
  });
});

describe("istio virtual_service.proto HTTPRetry perTryTimeout", () => {
  it("each try is cut at perTryTimeout (100ms) and retried on 5xx; all time out → 504 after 3 tries, long before the origin's 1 s", async () => {
    const { sent, status, text, elapsed, log } = await sendOnce("http://retry.test/per-try/slow-always");
    expect(status).toBe(504);
    expect(text).toBe("upstream request timeout\n");
    expect(log).toMatchObject({ tries: 3, error: "upstream_timeout" });
    expect(await triesAt("flaky", sent.requestId)).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1000);
  });

  it("a slow first try is abandoned at perTryTimeout and the retry answers", async () => {
    const { sent, status, text, elapsed } = await sendOnce("http://retry.test/per-try/slow-first");
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ try: 2 });
    expect(await triesAt("flaky", sent.requestId)).toBe(2);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe("istio virtual_service.proto HTTPRetry: retryOn envoy-ratelimited, backoff", () => {
  it("retryOn envoy-ratelimited retries an answer carrying x-envoy-ratelimited (a 429 here), and only that", async () => {
    const limited = await sendOnce("http://retry.test/ratelimited/ratelimited-first/x");
    expect(limited.status).toBe(200);
    expect(await triesAt("flaky", limited.sent.requestId)).toBe(2);
    const plain = await sendOnce("http://retry.test/ratelimited/fail-first/429/x");
    expect(plain.status).toBe(429);
    expect(await triesAt("flaky", plain.sent.requestId)).toBe(1);
  });

  it("backoff sets the base interval between tries: 400ms base waits at least 200ms (jitter 0.5–1.5 ×) before the retry", async () => {
    const { sent, status, elapsed } = await sendOnce("http://retry.test/backoff/x");
    expect(status).toBe(200);
    expect(await triesAt("flaky", sent.requestId)).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(200);
  });
});
