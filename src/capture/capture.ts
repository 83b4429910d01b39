// One captured request, carried out inside ctx.waitUntil: the worker's own copies of
// the request body (a tee branch, or the buffered bytes) and of v1's answer (a clone:
// the runtime tees it, the client's branch streams untouched, byte for byte), each
// read up to the route's cap, then the record built (secrets replaced: record.ts) and
// handed to the isolate's batch (batcher.ts). Any failure is logged; none reaches the client.
import type { CaptureSettings } from "../routing/table";
import type { CaptureBatcher, CaptureSinks } from "./batcher";
import { capturedBody, headerPairs, redaction, RECORD_VERSION, type BodyPrefix, type CaptureRecord, type Redaction } from "./record";
import { readPrefix } from "./read-prefix";
import type { Hold, MemoryLedger } from "../proxy/memory-budget";

export interface CaptureStart {
  batcher: CaptureBatcher;
  sinks: CaptureSinks;
  /** the bodies' bytes, reserved in the isolate's memory ledger (released once the record is built) */
  hold?: Hold;
  /** the ledger, for the record's bytes while its batch waits to be written */
  memory?: MemoryLedger;
  settings: CaptureSettings;
  /** `<virtualService>/<route>` (Route.name) */
  route: string;
  requestId: string;
  /** when the worker received the request (ms since the epoch) */
  startedMs: number;
  method: string;
  /** the URL as the client sent it */
  url: string;
  /** the client's headers */
  headers: Headers;
  cf: IncomingRequestCfProperties | undefined;
  /** the worker's copy of the request body, when it has one */
  body: Promise<BodyPrefix> | undefined;
  waitUntil: (promise: Promise<unknown>) => void;
}

export interface Capture {
  /** v1 answered (after `headersMs` from the first try): returns the response for the client; the worker reads a clone */
  v1(response: Response, sentAt: number): Response;
  /** v1 did not answer: nothing is captured, the reservation is given back */
  abandon(): void;
}

const redactions = new WeakMap<CaptureSettings, Redaction>();

/** The request body's own branch for the capture: the client's stream goes on as `body`. */
export function tapForCapture(body: ReadableStream<Uint8Array>, cap: number, contentLength: number | undefined): { body: ReadableStream<Uint8Array>; copy: Promise<BodyPrefix> } {
  const [toPrimary, toCapture] = body.tee();
  return { body: toPrimary, copy: readPrefix(toCapture, cap, contentLength) };
}

export function startCapture(o: CaptureStart): Capture {
  return {
    v1(response, sentAt) {
      const headersMs = Date.now() - sentAt;
      const mine = response.body ? response.clone() : response;
      o.waitUntil(o.batcher.building(record(o, mine, sentAt, headersMs).finally(() => o.hold?.release())));
      return response;
    },
    abandon() {
      o.hold?.release();
    },
  };
}

async function record(o: CaptureStart, response: Response, sentAt: number, headersMs: number): Promise<void> {
  try {
    const cap = o.settings.maxBodyBytes;
    const length = response.headers.get("content-length");
    const [answer, request] = await Promise.all([readPrefix(response.body, cap, length === null ? undefined : Number(length)), o.body]);
    const endMs = Date.now() - sentAt;
    let r = redactions.get(o.settings);
    if (!r) redactions.set(o.settings, (r = redaction(o.settings.redact)));
    const cf = o.cf;
    const where: CaptureRecord["where"] = {};
    if (typeof cf?.colo === "string") where.colo = cf.colo;
    if (typeof cf?.country === "string") where.country = cf.country;
    if (typeof cf?.httpProtocol === "string") where.httpProtocol = cf.httpProtocol;
    const rec: CaptureRecord = {
      v: RECORD_VERSION,
      id: o.requestId,
      time: new Date(o.startedMs).toISOString(),
      route: o.route,
      request: { method: o.method, url: o.url, headers: headerPairs(o.headers, r), ...capturedBody(request, r) },
      response: { status: response.status, headers: headerPairs(response.headers, r), ...capturedBody(answer, r) },
      timing: { headersMs, endMs },
      where,
    };
    o.batcher.add(o.route, o.startedMs, JSON.stringify(rec), o.sinks, o.waitUntil, o.memory);
  } catch (e) {
    o.batcher.log({ event: "capture", route: o.route, outcome: "record_failed", detail: `record not built: ${(e as Error)?.message ?? String(e)}` });
  }
}
