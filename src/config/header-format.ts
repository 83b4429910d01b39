// Envoy's `%VARIABLE%`s in header values (envoy docs, configuration/http/http_conn_man/
// headers.rst "Custom request/response headers"), split at build time into literal
// text and the variables the worker fills in per request (src/proxy/header-format.ts),
// so the request path does no parsing. `%%` is a literal `%`. Variables with a meaning
// at the edge are implemented; the rest are refused with the reason, as is a lone `%`
// (Envoy refuses the config; Istio's ValidateHTTPHeaderValue does too).
import type { HeaderFormat, HeaderVariable, TimeField } from "../routing/table";
import { isToken } from "./header-names";

export type CompiledValue = { ok: true; literal: string } | { ok: true; format: HeaderFormat } | { ok: false; reason: string };

export const SUPPORTED_VARIABLES =
  "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%, %DOWNSTREAM_REMOTE_ADDRESS%, %REQ(name)%, %REQ_WITHOUT_QUERY(:path)%, %START_TIME%, %PROTOCOL%";

/** Envoy's substitution-format command: NAME, optional (args), optional :max length. */
const COMMAND = /^%([A-Z][A-Z0-9_]*)(?:\(([^)]*)\))?(?::(\d+))?%/;

const CLIENT_IP = ["DOWNSTREAM_REMOTE_ADDRESS", "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT"];
const TLS = "TLS is terminated by Cloudflare before the Worker runs; the Worker sees no certificate or session";
const REFUSED: [RegExp, string][] = [
  [/^HOSTNAME$/, "a Worker has no host name of its own: the same code runs in every Cloudflare data centre"],
  [/^DOWNSTREAM_LOCAL_/, "the address the client connected to is Cloudflare's edge, which a Worker does not see"],
  [/^DOWNSTREAM_(TLS|PEER)_|^DOWNSTREAM_LOCAL_(URI_SAN|SUBJECT)$|^REQUESTED_SERVER_NAME$/, TLS],
  [/^UPSTREAM_/, "a Worker's fetch() does not expose which origin address answered, nor its metadata"],
  [/METADATA$|^FILTER_STATE$|^PER_REQUEST_STATE$/, "Envoy metadata and filter state do not exist at the edge"],
  [/^RESP$|^RESPONSE_|^TRAILER$/, "response values are not available to header operations here"],
  [/^ENVIRONMENT$/, "a Worker has no process environment"],
];

/**
 * A header value as written in routes.yaml: a plain literal (with `%%` unescaped), or
 * its parts. `pseudoOk`: %REQ% may read `:path`, `:authority`, `:method`, `:scheme`.
 */
export function compileHeaderValue(text: string): CompiledValue {
  const format: HeaderFormat = [];
  let literal = "";
  let pos = 0;
  while (pos < text.length) {
    const next = text.indexOf("%", pos);
    if (next < 0) {
      literal += text.slice(pos);
      break;
    }
    literal += text.slice(pos, next);
    if (text[next + 1] === "%") {
      literal += "%";
      pos = next + 2;
      continue;
    }
    const m = COMMAND.exec(text.slice(next));
    if (!m) return { ok: false, reason: `has an un-escaped % at position ${next + 1}: Envoy reads % as the start of a %VARIABLE% (write %% for a literal %)` };
    const variable = readVariable(m[1]!, m[2], m[3] === undefined ? undefined : Number(m[3]));
    if (typeof variable === "string") return { ok: false, reason: `%${m[1]}% ${variable}` };
    if (literal) format.push(literal);
    literal = "";
    format.push(variable);
    pos = next + m[0].length;
  }
  if (format.length === 0) return { ok: true, literal };
  if (literal) format.push(literal);
  return { ok: true, format };
}

/** A variable, or the reason it is refused. */
function readVariable(name: string, args: string | undefined, max: number | undefined): HeaderVariable | string {
  const noArgs = (v: HeaderVariable): HeaderVariable | string => (args === undefined && max === undefined ? v : "takes no arguments");
  if (CLIENT_IP.includes(name)) return noArgs({ v: "client_ip" });
  if (name === "PROTOCOL") return noArgs({ v: "protocol" });
  if (name === "REQ" || name === "REQ_WITHOUT_QUERY") {
    if (args === undefined) return `needs a header name, e.g. %${name}(x-user)%`;
    const names = args.split("?").map((n) => n.trim().toLowerCase());
    const bad = names.find((n) => !isToken(n) && ![":path", ":authority", ":method", ":scheme"].includes(n));
    if (bad !== undefined || names.length > 2) return `reads ${JSON.stringify(bad ?? args)}, which is not a header name (%REQ(name)% or %REQ(name?alternative)%)`;
    const req: HeaderVariable = { v: "req", names };
    if (name === "REQ_WITHOUT_QUERY") req.withoutQuery = true;
    if (max !== undefined) req.max = max;
    return req;
  }
  if (name === "START_TIME") {
    if (max !== undefined) return "takes no :length";
    if (args === undefined || args === "") return { v: "start_time" };
    const format = startTimeFormat(args);
    return typeof format === "string" ? format : { v: "start_time", format };
  }
  for (const [pattern, reason] of REFUSED) if (pattern.test(name)) return `cannot apply at the edge: ${reason}`;
  return "is not an Envoy header variable edge-mirror knows";
}

const TIME_FIELDS = new Set(["Y", "y", "m", "d", "H", "M", "S", "s", "j", "z", "Z"]);

/** START_TIME(format): strftime fields, Envoy's %s and %[1-9]f, absl's %E[1-9]S. */
function startTimeFormat(spec: string): TimeField[] | string {
  const out: TimeField[] = [];
  const text = (s: string) => (typeof out.at(-1) === "string" ? (out[out.length - 1] += s) : out.push(s));
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] !== "%") {
      text(spec[i]!);
      continue;
    }
    const rest = spec.slice(i + 1);
    const m = /^(?:([1-9])?f|E([1-9])S|([A-Za-z%]))/.exec(rest);
    if (!m) return `has a format ${JSON.stringify(spec)} with a lone % at its end`;
    i += m[0].length;
    if (m[0].endsWith("f") && m[3] === undefined) out.push({ t: "f", digits: m[1] ? Number(m[1]) : 9 });
    else if (m[2] !== undefined) out.push({ t: "S" }, ".", { t: "f", digits: Number(m[2]) });
    else if (m[3] === "%") text("%");
    else if (m[3] === "T") out.push({ t: "H" }, ":", { t: "M" }, ":", { t: "S" });
    else if (m[3] === "F") out.push({ t: "Y" }, "-", { t: "m" }, "-", { t: "d" });
    else if (TIME_FIELDS.has(m[3]!)) out.push({ t: m[3] as "Y" });
    else return `has a format field %${m[3]} edge-mirror does not implement (it knows %Y %y %m %d %H %M %S %s %j %z %Z %T %F %f %1f–%9f %E1S–%E9S)`;
  }
  return out;
}
