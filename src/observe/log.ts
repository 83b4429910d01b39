// Structured logs: one JSON line per request and one per shadow. Workers Logs
// ([observability] in wrangler.toml) indexes the fields; `wrangler dev` prints them.

/**
 * Why the worker answered itself, or why the primary failed. A closed set, so
 * dashboards and alerts can rely on it.
 */
export type RequestError =
  | "no_virtual_service"
  | "no_route"
  | "no_destination"
  | "fault_abort"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "upstream_interim_response"
  /** a bug in edge-mirror: `detail` has the message */
  | "internal";

export interface RequestLog {
  event: "request";
  requestId: string;
  method: string;
  host: string;
  path: string;
  virtualService?: string;
  route?: string;
  destination?: string;
  status: number;
  durationMs: number;
  error?: RequestError;
  /** the runtime's message for an internal error */
  detail?: string;
  /** mirrors sampled for this request (each has its own shadow line) */
  mirrors: number;
  /** set when MIRROR_PERCENT_CAP could not be read: mirroring is stopped until it is fixed */
  killSwitch?: string;
  /** tries of the primary, when retries made more than one */
  tries?: number;
  /** injected by a fault policy */
  faultDelayMs?: number;
  /** set when this request is a shadow coming back through the worker */
  returningShadow?: true;
}

export type ShadowError = "connect_failed" | "timeout";
/** kill_switch: a fresh isolate's first read of the pause switch capped the request out (src/proxy/switch-gate.ts) */
export type ShadowSkip = "body_too_large" | "body_incomplete" | "kill_switch";

export interface ShadowLog {
  event: "shadow";
  requestId: string;
  method: string;
  path: string;
  destination: string;
  /** status of the shadow origin's answer (which is discarded) */
  status?: number;
  /** `detail` has the runtime's message */
  error?: ShadowError;
  detail?: string;
  /** the shadow was not sent */
  skipped?: ShadowSkip;
  durationMs: number;
}

export type Logger = (line: RequestLog | ShadowLog) => void;

export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line));
