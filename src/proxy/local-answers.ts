// Answers the worker gives without an upstream, as the plan decided them: a CORS
// preflight, the fault filter's abort (Envoy's body text), Istio's redirect and
// directResponse, and Envoy's 503 when no destination has weight.
import type { EdgeAnswer } from "../routing/plan";
import type { Route } from "../routing/table";
import { preflightResponse } from "./cors";
import { shortAnswer } from "./forward";
import { withResponseOps, type FormatContext } from "./header-ops";

export function edgeResponse(answer: EdgeAnswer, route: Route, corsOrigin: string | undefined, format: FormatContext): Response {
  switch (answer.kind) {
    case "preflight":
      return preflightResponse(route.cors!, corsOrigin!);
    case "fault_abort":
      return new Response("fault filter abort", { status: answer.status, headers: { "content-type": "text/plain" } });
    case "no_destination":
      return shortAnswer(503, "no healthy upstream");
    // Envoy applies the route's response headers to its redirects and direct responses too.
    case "redirect":
      return withResponseOps(new Response(null, { status: answer.status, headers: { location: answer.location } }), format, route.headers?.response);
    case "direct_response": {
      const headers: Record<string, string> = answer.body !== undefined ? { "content-type": "text/plain; charset=utf-8" } : {};
      return withResponseOps(new Response(answer.body ?? null, { status: answer.status, headers }), format, route.headers?.response);
    }
  }
}
