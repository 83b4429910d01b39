// The shadow copy (Envoy's ShadowWriter: one verb, fire-and-forget). Sent inside
// ctx.waitUntil; its answer is read only for its status and then discarded; every
// failure is logged and swallowed. Nothing here can reach the client's response.
import type { Logger } from "../observe/log";
import type { BodyCopy } from "./body-tap";

export interface ShadowTarget {
  url: string;
  destination: string;
}

export interface ShadowRequest {
  requestId: string;
  method: string;
  path: string;
  /** headers as sent to the primary, with X-Forwarded-Host already suffixed */
  headers: Headers;
  /** the body copy, or undefined for a request without a body */
  body: Promise<BodyCopy> | undefined;
  timeoutMs: number;
}

/** Sends one shadow per target. Never rejects. */
export async function sendShadows(request: ShadowRequest, targets: ShadowTarget[], log: Logger): Promise<void> {
  const started = Date.now();
  const deadline = AbortSignal.timeout(request.timeoutMs);
  let body: Uint8Array | undefined;
  if (request.body) {
    const copy = await Promise.race([request.body, aborted(deadline)]);
    if (!copy.ok) {
      for (const t of targets) log(shadowLine(request, t, started, { skipped: copy.reason }));
      return;
    }
    body = copy.bytes;
  }
  await Promise.all(targets.map((t) => sendOne(request, t, body, deadline, started, log)));
}

async function sendOne(
  request: ShadowRequest,
  target: ShadowTarget,
  body: Uint8Array | undefined,
  signal: AbortSignal,
  started: number,
  log: Logger,
): Promise<void> {
  try {
    const response = await fetch(target.url, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: "manual",
      signal,
    });
    await discard(response);
    log(shadowLine(request, target, started, { status: response.status }));
  } catch (e) {
    const error = signal.aborted ? "timeout" : "connect_failed";
    log(shadowLine(request, target, started, { error, detail: (e as Error)?.message }));
  }
}

/** Answers up to this size are read to the end, so workerd keeps the connection for reuse. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Discards the shadow's answer. cancel() would make workerd close the pooled
 * connection (a new one per shadow: measured by the benchmark), so small answers
 * are read to the end; large or unsized ones are cancelled to free the connection
 * slot at once (6 per invocation).
 */
async function discard(response: Response): Promise<void> {
  if (!response.body) return;
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (length <= DRAIN_LIMIT) await response.arrayBuffer().catch(() => {});
  else await response.body.cancel().catch(() => {});
}

function aborted(signal: AbortSignal): Promise<BodyCopy> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve({ ok: false, reason: "body_incomplete" }), { once: true }),
  );
}

function shadowLine(
  request: ShadowRequest,
  target: ShadowTarget,
  started: number,
  outcome: { status?: number; error?: string; detail?: string; skipped?: string },
) {
  return {
    event: "shadow" as const,
    requestId: request.requestId,
    method: request.method,
    path: request.path,
    destination: target.destination,
    ...outcome,
    durationMs: Date.now() - started,
  };
}
