// The primary request: the client's request sent to the chosen origin, streamed
// both ways, redirects passed through. Failures become short Envoy-style answers:
// 503 when the origin cannot be reached, 504 when the route timeout passes.

export type ForwardResult =
  | { ok: true; response: Response }
  | { ok: false; response: Response; error: "upstream_unavailable" | "upstream_timeout" };

export async function forward(url: string, init: RequestInit, timeoutMs: number | undefined): Promise<ForwardResult> {
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, redirect: "manual", signal });
    return { ok: true, response };
  } catch (e) {
    if (signal?.aborted || (e as Error)?.name === "TimeoutError") {
      return { ok: false, error: "upstream_timeout", response: shortAnswer(504, "upstream request timeout") };
    }
    return {
      ok: false,
      error: "upstream_unavailable",
      response: shortAnswer(503, "upstream connect error or disconnect/reset before headers"),
    };
  }
}

/** A short plain-text answer the worker gives itself (never a stack trace). */
export function shortAnswer(status: number, text: string): Response {
  return new Response(text + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
