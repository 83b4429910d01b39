// The soak's client: sends one request of the mix through the worker (random body,
// Content-Length or chunked in pieces of 1 B – 192 KiB, honouring backpressure) and
// records the answer, its latency and any transport error on the request itself.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { KiB, type Random, type SoakRequest } from "./mix";

export const HOST = "httpbin:8000";
export const EMPTY_SHA = createHash("sha256").digest("hex");

export function send(agent: http.Agent | false, port: number, req: SoakRequest, timeoutMs: number, r: Random = Math.random): Promise<SoakRequest> {
  const body = req.size === null ? null : randomBytes(req.size);
  req.sha256 = body ? createHash("sha256").update(body).digest("hex") : EMPTY_SHA;
  const headers: http.OutgoingHttpHeaders = { host: HOST, "x-request-id": req.id, "user-agent": "edge-mirror-soak" };
  if (body) {
    headers["content-type"] = "application/octet-stream";
    if (!req.chunked) headers["content-length"] = String(body.length);
    else headers["transfer-encoding"] = "chunked";
  }
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      req.latencyMs = performance.now() - started;
      if (error) req.error = error;
      resolve(req);
    };
    const cr = http.request({ host: "127.0.0.1", port, method: req.method, path: req.path, headers, agent }, (res) => {
      req.status = res.statusCode ?? 0;
      req.answerHeaders = res.headers;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        req.answer = Buffer.concat(chunks);
        // Answered before the whole body was sent (a 503 mid-upload): that connection
        // is finished; never hand it back to the pool for the next request.
        if (!cr.writableFinished) cr.destroy();
        done();
      });
      res.on("error", (e) => done(`response: ${e.message}`));
      res.on("aborted", () => done("response aborted"));
    });
    cr.setTimeout(timeoutMs, () => cr.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    cr.on("error", (e) => done(`request: ${e.message}`));
    if (!body) {
      cr.end();
      return;
    }
    if (!req.chunked) {
      req.bytesSent = body.length;
      cr.end(body);
      return;
    }
    (async () => {
      let offset = 0;
      while (offset < body.length) {
        if (settled || cr.destroyed) return; // answered or failed mid-upload: do not end a truncated body
        const piece = Math.min(body.length - offset, 1 + Math.floor(r() * 192 * KiB));
        const ok = cr.write(body.subarray(offset, offset + piece));
        offset += piece;
        req.bytesSent = offset;
        if (!ok) {
          await new Promise<void>((res) => {
            const go = () => (cr.off("drain", go), cr.off("close", go), res());
            cr.on("drain", go);
            cr.on("close", go);
          });
        } else if (r() < 0.1) await new Promise((res) => setImmediate(res));
      }
      cr.end();
    })().catch((e: Error) => done(`writing: ${e.message}`));
  });
}

/** Sends `reqs` with at most `concurrency` in flight; stops issuing new ones at `deadline`. Returns how many were not sent. */
export async function drive(
  agent: http.Agent,
  port: number,
  reqs: SoakRequest[],
  { concurrency, deadline, timeoutMs, r }: { concurrency: number; deadline: number; timeoutMs: number; r: Random },
): Promise<number> {
  let next = 0;
  let notSent = 0;
  const lane = async () => {
    while (next < reqs.length) {
      const req = reqs[next++]!;
      if (Date.now() > deadline) {
        req.error = "not sent: time budget exhausted";
        notSent++;
        continue;
      }
      await send(agent, port, req, timeoutMs, r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, reqs.length) }, lane));
  return notSent;
}
