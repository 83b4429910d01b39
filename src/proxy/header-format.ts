// Fills in the Envoy `%VARIABLE%`s of header values, which the compiler already split
// into literal text and variables (src/config/header-format.ts): the request path
// only concatenates. Only routes whose values have variables come here.
import type { HeaderFormat, HeaderVariable, TimeField } from "../routing/table";
import type { RequestFacts } from "../routing/request-facts";

/** What the variables of one request read. */
export interface FormatContext {
  /** the client's request as it arrived (CF-Connecting-IP, pseudo-headers) */
  facts: Pick<RequestFacts, "method" | "target" | "authority" | "scheme" | "headers">;
  /** when the worker received the request (Envoy's START_TIME), ms since the epoch */
  startedMs: number;
  /** the HTTP version the client spoke (request.cf.httpProtocol), read only when a value asks */
  protocol: () => string | undefined;
  /** the request headers %REQ(…)% reads in response operations (the request as sent upstream) */
  request: Headers;
}

/** The value for this request; "" means Envoy would add no header (keep_empty_value is off in Istio). */
export function renderHeaderValue(format: HeaderFormat, ctx: FormatContext, request: Headers): string {
  let out = "";
  for (const part of format) out += typeof part === "string" ? part : variable(part, ctx, request);
  return out;
}

function variable(v: HeaderVariable, ctx: FormatContext, request: Headers): string {
  switch (v.v) {
    case "client_ip":
      // The client's address as Cloudflare saw it; a Worker never learns the client's port.
      return ctx.facts.headers.get("cf-connecting-ip") ?? "";
    case "protocol":
      return ctx.protocol() ?? "";
    case "start_time":
      return v.format ? formatTime(v.format, ctx.startedMs) : new Date(ctx.startedMs).toISOString();
    case "req": {
      let value: string | null = null;
      for (const name of v.names) if ((value = requestValue(name, ctx, request)) !== null) break;
      if (value === null) return "";
      if (v.withoutQuery) value = value.split("?", 1)[0]!;
      return v.max !== undefined ? value.slice(0, v.max) : value;
    }
  }
}

function requestValue(name: string, ctx: FormatContext, request: Headers): string | null {
  const { facts } = ctx;
  if (name === ":path") return facts.target;
  if (name === ":authority") return facts.authority;
  if (name === ":method") return facts.method;
  if (name === ":scheme") return facts.scheme;
  return request.get(name);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** strftime in UTC, as Envoy formats START_TIME (milliseconds are all a Worker's clock gives). */
function formatTime(format: TimeField[], ms: number): string {
  const d = new Date(ms);
  let out = "";
  for (const f of format) {
    if (typeof f === "string") {
      out += f;
      continue;
    }
    switch (f.t) {
      case "Y": out += d.getUTCFullYear(); break;
      case "y": out += pad(d.getUTCFullYear() % 100); break;
      case "m": out += pad(d.getUTCMonth() + 1); break;
      case "d": out += pad(d.getUTCDate()); break;
      case "H": out += pad(d.getUTCHours()); break;
      case "M": out += pad(d.getUTCMinutes()); break;
      case "S": out += pad(d.getUTCSeconds()); break;
      case "s": out += Math.floor(ms / 1000); break;
      case "j": out += pad(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3); break;
      case "z": out += "+0000"; break;
      case "Z": out += "UTC"; break;
      case "f": out += pad(((ms % 1000) + 1000) % 1000, 3).padEnd(f.digits, "0").slice(0, f.digits); break;
    }
  }
  return out;
}
