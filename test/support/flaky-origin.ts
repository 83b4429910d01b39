// An origin that fails on purpose, for the retry tests. It counts the tries of each
// request by its x-request-id (the worker sends the same id on every try) and
// records them with origin.ts's recorder, so recordsAt("flaky", id) lists every try.
//
//   default               the first try answers 503, later tries 200
//   …/fail-first/NNN/…    the first try answers NNN, later tries 200
//   …/ratelimited-first…  the first try answers 429 with x-envoy-ratelimited (Envoy's retryOn envoy-ratelimited), later tries 200
//   …/slow-first…         the first try answers after 1 s, later tries at once
//   …/slow-always…        every try answers after 1 s
//
// A 200 is httpbin-like JSON: {origin, try, method, url, bodyBytes, bodySha256}.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { recordBody, requestRecorder, type Origin } from "../../devkit/origin";

const SLOW_MS = 1000;

export async function startFlakyOrigin(name = "flaky"): Promise<Origin> {
  const tries = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const record = recorder.record(req);
    const id = String(req.headers["x-request-id"] ?? "");
    const attempt = (tries.get(id) ?? 0) + 1;
    tries.set(id, attempt);
    recordBody(req, record, () => {
      const path = record.url.split("?")[0]!;
      const ratelimited = path.includes("/ratelimited-first");
      const failWith = ratelimited ? 429 : Number(/\/fail-first\/(\d{3})(\/|$)/.exec(path)?.[1] ?? 503);
      const answer = () => {
        if (res.destroyed) return;
        const failing = attempt === 1 && !path.includes("/slow-first") && !path.includes("/slow-always");
        const status = failing ? failWith : 200;
        const body = failing
          ? `flaky: try ${attempt} fails with ${status}\n`
          : JSON.stringify({ origin: name, try: attempt, method: record.method, url: record.url, bodyBytes: record.bodyBytes, bodySha256: record.bodySha256 }) + "\n";
        res.writeHead(status, {
          "content-type": failing ? "text/plain" : "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "x-origin": name,
          "x-try": String(attempt),
          ...(failing && ratelimited ? { "x-envoy-ratelimited": "true" } : {}),
        });
        res.end(body);
      };
      const slow = path.includes("/slow-always") || (path.includes("/slow-first") && attempt === 1);
      if (slow) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, SLOW_MS);
        timers.add(timer);
      } else answer();
    });
  });
  const recorder = requestRecorder(server, name);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    records: recorder.records,
    release() {},
    heldCount: () => 0,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of recorder.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
