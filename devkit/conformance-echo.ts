// What Gateway API conformance's echo backend (echo-basic) does besides answering,
// for origins started with behaviour "echo": `?delay=1s` answers after that long
// (the timeout tests), and `X-Echo-Set-Header: Name:value,Other:value` sets those
// response headers (the ResponseHeaderModifier tests).
import type { IncomingMessage } from "node:http";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** The `delay` query parameter in ms (Go durations like 1s, 500ms), 0 when absent or unreadable. */
export function echoDelayMs(rawUrl: string | undefined): number {
  const delay = new URL(rawUrl ?? "/", "http://origin.invalid").searchParams.get("delay");
  const m = delay ? /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(delay) : null;
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : 0;
}

/** The response headers X-Echo-Set-Header asks for. */
export function echoResponseHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const spec = req.headers["x-echo-set-header"];
  for (const pair of (Array.isArray(spec) ? spec.join(",") : (spec ?? "")).split(",")) {
    const colon = pair.indexOf(":");
    if (colon > 0) out[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return out;
}
