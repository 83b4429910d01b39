// The primary request: the client's request sent to the chosen origin, streamed
// both ways, redirects passed through. Failures become short Envoy-style answers:
// 503 when the origin cannot be reached, 504 when the route timeout passes.

export type ForwardResult =
  | { ok: true; response: Response }
  | { ok: false; response: Response; error: "upstream_unavailable" | "upstream_timeout" | "upstream_interim_response" };

/**
 * Written with then() rather than async/await: this is the hot path of every request,
 * and each async layer adds promises and microtask hops the runtime has to run.
 */
export function forward(url: string, init: RequestInit, timeoutMs: number | undefined): Promise<ForwardResult> {
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  let sent: Promise<Response>;
  try {
    sent = fetch(url, { ...init, redirect: "manual", signal });
  } catch (e) {
    return Promise.resolve(failure(e, signal));
  }
  return sent.then(answered, (e: unknown) => failure(e, signal));
}

function answered(response: Response): ForwardResult | Promise<ForwardResult> {
  if (response.status < 200 && response.status !== 101) {
    // workerd resolves fetch() with an interim 1xx (e.g. 103 Early Hints) and drops the final
    // answer; a Worker cannot return a 1xx, so say so instead of failing with a runtime error.
    const interim: ForwardResult = {
      ok: false,
      error: "upstream_interim_response",
      response: shortAnswer(502, `upstream sent an informational ${response.status} response the runtime cannot pass on`),
    };
    return response.body ? response.body.cancel().then(() => interim, () => interim) : interim;
  }
  return { ok: true, response };
}

function failure(e: unknown, signal: AbortSignal | undefined): ForwardResult {
  if (signal?.aborted || (e as Error)?.name === "TimeoutError") {
    return { ok: false, error: "upstream_timeout", response: shortAnswer(504, "upstream request timeout") };
  }
  return {
    ok: false,
    error: "upstream_unavailable",
    response: shortAnswer(503, "upstream connect error or disconnect/reset before headers"),
  };
}

/** A short plain-text answer the worker gives itself (never a stack trace). */
export function shortAnswer(status: number, text: string): Response {
  return new Response(text + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
