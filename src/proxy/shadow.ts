// The shadow copy (Envoy's ShadowWriter: one verb, fire-and-forget). Sent inside
// ctx.waitUntil; its answer is read only for its status and then discarded; every
// failure is caught. Each shadow ends in one outcome object, built once, handed to
// `settled` (the pipeline counts it and puts it on the request's log line). Nothing
// here can reach the client's response.
import type { ShadowError, ShadowOutcome } from "../observe/log";
import type { BodyCopy } from "./body-tap";
import { beforeDeadline } from "./deadline";

export interface ShadowTarget {
  url: string;
  destination: string;
}

/** Called once per target with how its shadow ended. Must not throw. */
export type ShadowSettled = (outcome: ShadowOutcome) => void;

export interface ShadowRequest {
  method: string;
  /** headers as sent to the primary, with X-Forwarded-Host already suffixed */
  headers: Headers;
  /** the body copy, or undefined for a request without a body */
  body: Promise<BodyCopy> | undefined;
  /** the shadows' deadline (the route's timeout, or 25 s), started when they were dispatched */
  deadline: AbortSignal;
  /**
   * Set when the answers are compared (proxy/comparison.ts): reads the shadow's answer
   * instead of discarding it, and adds what it found to the outcome; never rejects.
   */
  compare?: (outcome: ShadowOutcome, response: Response, deadline: AbortSignal) => Promise<void>;
}

/**
 * Sends one shadow per target. Never rejects; resolves once every target's outcome
 * has been handed to `settled`. A shadow without a body is sent at once (fetch() is
 * called before this returns), without extra async layers: the common case, on
 * every mirrored request.
 */
export function sendShadows(request: ShadowRequest, targets: ShadowTarget[], settled: ShadowSettled): Promise<void> {
  const started = Date.now();
  const deadline = request.deadline;
  if (!request.body) {
    if (targets.length === 1) return sendOne(request, targets[0]!, undefined, deadline, started, settled);
    return Promise.all(targets.map((t) => sendOne(request, t, undefined, deadline, started, settled))).then(done);
  }
  return sendWithBody(request, request.body, targets, deadline, started, settled);
}

function done(): void {}

async function sendWithBody(
  request: ShadowRequest,
  bodyCopy: Promise<BodyCopy>,
  targets: ShadowTarget[],
  deadline: AbortSignal,
  started: number,
  settled: ShadowSettled,
): Promise<void> {
  const copy = await beforeDeadline(bodyCopy, deadline, (): BodyCopy => ({ ok: false, reason: "body_incomplete" }));
  if (!copy.ok) {
    // Past the deadline the copy may still complete: its bytes go back to the ledger then.
    if (copy.reason === "body_incomplete") releaseCopy(bodyCopy);
    const durationMs = Date.now() - started;
    for (const t of targets) settled({ destination: t.destination, skipped: copy.reason, durationMs });
    return;
  }
  try {
    await Promise.all(targets.map((t) => sendOne(request, t, copy.bytes, deadline, started, settled)));
  } finally {
    copy.release();
  }
}

/** Gives a body copy that will not be sent back to the isolate's memory ledger, whenever it settles. */
export function releaseCopy(copy: Promise<BodyCopy> | undefined): void {
  copy?.then((c) => c.ok && c.release(), done);
}

function sendOne(
  request: ShadowRequest,
  target: ShadowTarget,
  body: Uint8Array | undefined,
  signal: AbortSignal,
  started: number,
  settled: ShadowSettled,
): Promise<void> {
  const failed = (e: unknown) => {
    const error: ShadowError = signal.aborted ? "timeout" : "connect_failed";
    settled({ destination: target.destination, error, detail: (e as Error)?.message, durationMs: Date.now() - started });
  };
  let sent: Promise<Response>;
  try {
    sent = fetch(target.url, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: "manual",
      signal,
    });
  } catch (e) {
    failed(e);
    return Promise.resolve();
  }
  return sent
    .then((response) => {
      const outcome: ShadowOutcome = { destination: target.destination, status: response.status, durationMs: Date.now() - started };
      if (request.compare) {
        return request
          .compare(outcome, response, signal)
          .catch((e: unknown) => {
            outcome.compareSkipped = "compare_failed";
            outcome.compareDetail = (e as Error)?.message;
          })
          .then(() => {
            outcome.durationMs = Date.now() - started;
            settled(outcome);
          });
      }
      const discarded = discard(response);
      if (!discarded) return settled(outcome);
      return discarded.then(() => {
        outcome.durationMs = Date.now() - started;
        settled(outcome);
      });
    })
    .catch(failed);
}

/** Answers up to this size are read to the end, so workerd keeps the connection for reuse. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Discards the shadow's answer. cancel() would make workerd close the pooled
 * connection (a new one per shadow: measured by the benchmark), so small answers
 * are read to the end: natively when Content-Length says they are small, chunk by
 * chunk when they are unsized (chunked answers are common: the bench's slow v2
 * sends one, and cancelling those cost a third of the project's throughput).
 * Larger answers are cancelled — at once when sized, after DRAIN_LIMIT bytes when
 * not — to free the connection slot (6 per invocation). Never rejects; undefined
 * when there is no body.
 */
function discard(response: Response): Promise<unknown> | undefined {
  // The common case first, without touching `response.body`: its getter makes the
  // runtime build a JS ReadableStream (bench:profile, 2026-12-07: discard was 3 % of
  // the worker's CPU with it), and arrayBuffer() reads natively without one.
  const declared = response.headers.get("content-length");
  if (declared !== null && Number(declared) <= DRAIN_LIMIT) return response.arrayBuffer().catch(done);
  const body = response.body;
  if (!body) return undefined;
  if (declared === null) return drainUpTo(body.getReader(), DRAIN_LIMIT).catch(done);
  return body.cancel().catch(done);
}

/** Reads an unsized answer to its end, or cancels it once more than `limit` bytes came. */
async function drainUpTo(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<void> {
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    seen += value.byteLength;
    if (seen > limit) return reader.cancel();
  }
}
