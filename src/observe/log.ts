// Structured logs: one JSON line per request and one per shadow. Workers Logs
// ([observability] in wrangler.toml) indexes the fields; `wrangler dev` prints them.

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
  /** why the worker answered itself: no_virtual_service, no_route, upstream_unavailable, upstream_timeout */
  error?: string;
  mirrors: number;
  /** tries of the primary, when retries made more than one */
  tries?: number;
  /** injected by a fault policy */
  faultDelayMs?: number;
  /** set when this request is a shadow coming back through the worker */
  returningShadow?: true;
}

export interface ShadowLog {
  event: "shadow";
  requestId: string;
  method: string;
  path: string;
  destination: string;
  /** status of the shadow origin's answer (which is discarded) */
  status?: number;
  /** connect_failed or timeout; `detail` has the runtime's message */
  error?: string;
  detail?: string;
  /** body_too_large, body_incomplete: the shadow was not sent */
  skipped?: string;
  durationMs: number;
}

export type Logger = (line: RequestLog | ShadowLog) => void;

export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line));
