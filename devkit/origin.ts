// A small httpbin-like origin that records what it receives (method, raw path,
// headers, body size and SHA-256) and prints a gunicorn-style access log, as in
// the walkthrough. Used by the demo, the end-to-end test, the integration tests'
// globalSetup, the edge tests and the soak. Listens on loopback only.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { echoDelayMs, echoResponseHeaders } from "./conformance-echo";
import { compareAnswer } from "./compare-answers";

/**
 * Behaviours, for fault tests: "ok" (httpbin-like), "status500", "reset" (closes the
 * connection on arrival), "hold" (answers when release() is called), "slow" (after
 * delayMs), "reset-mid-headers", "reset-mid-body", "huge" (a 64 MiB body),
 * "slow-stream" (first chunk at once, the rest on release()), "slow-stream-sized" (the same
 * with a Content-Length), "early-hints" (103, then 200),
 * "chunked" (a small answer without Content-Length), "huge-chunked" (64 MiB without Content-Length),
 * "echo" (ok, plus Gateway API conformance's echo backend: ?delay= and X-Echo-Set-Header; conformance-echo.ts).
 * Under "ok", paths under /compare/ answer as compare-answers.ts says (v1 and v2 differ there on purpose).
 */
export type Behaviour =
  | "ok"
  | "status500"
  | "reset"
  | "hold"
  | "slow"
  | "reset-mid-headers"
  | "reset-mid-body"
  | "huge"
  | "slow-stream"
  | "slow-stream-sized"
  | "early-hints"
  | "chunked"
  | "huge-chunked"
  | "echo";

export interface OriginRecord {
  origin: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  bodySha256: string;
  complete: boolean;
  receivedAt: number;
  /**
   * When the request's head was parsed and when the answer's head was handed to the socket,
   * in ms since the epoch to a fraction of a ms (performance.timeOrigin + performance.now()):
   * a latency test's ground truth (test/e2e/latency-shift.test.ts). headersSentAt is set for
   * the JSON answers of respond() only.
   */
  arrivedAt: number;
  headersSentAt?: number;
  /** which TCP connection the request came on (1, 2, …): equal numbers mean a reused connection */
  connection: number;
  /** "huge" and "huge-chunked" only: the reader hung up before the whole body was sent */
  responseAborted?: boolean;
}

export interface Origin {
  name: string;
  port: number;
  url: string;
  records: OriginRecord[];
  /** Answers every request held so far (behaviour "hold"). */
  release(): void;
  heldCount(): number;
  close(): Promise<void>;
}

export interface OriginOptions {
  name: string;
  port?: number;
  host?: string;
  behaviour?: Behaviour;
  delayMs?: number;
  accessLog?: ((line: string) => void) | null;
  /**
   * Defaults to 65 s, like production origins (nginx keeps 75 s), rather than Node's
   * 5 s, which makes an idle pooled connection race its reuse by the worker.
   */
  keepAliveTimeout?: number;
}

export async function startOrigin({
  name,
  port = 0,
  host = "127.0.0.1",
  behaviour = "ok",
  delayMs = 0,
  accessLog = null,
  keepAliveTimeout = 65_000,
}: OriginOptions): Promise<Origin> {
  const held = new Set<() => void>();

  const server = createServer((req, res) => {
    const record = recorder.record(req);
    if (behaviour === "reset") {
      req.socket.destroy();
      return;
    }
    recordBody(req, record, () => {
      const answer = () => respond(name, req, res, record, behaviour, accessLog);
      if (behaviour === "reset-mid-headers") {
        req.socket.end("HTTP/1.1 200 OK\r\nContent-Type: text/pl");
        req.socket.destroy();
      } else if (behaviour === "reset-mid-body") {
        res.writeHead(200, { "content-type": "text/plain", "content-length": "100000", "x-origin": name });
        res.write("x".repeat(1000), () => req.socket.destroy());
      } else if (behaviour === "huge" || behaviour === "huge-chunked") {
        streamHuge(res, record, name, behaviour === "huge");
      } else if (behaviour === "chunked") {
        // write() before end(): Node sends Transfer-Encoding: chunked, no Content-Length.
        res.writeHead(200, { "content-type": "text/plain", "x-origin": name });
        res.write(`${name}\n`);
        res.end();
      } else if (behaviour === "slow-stream") {
        res.writeHead(200, { "content-type": "text/plain", "x-origin": name });
        res.write("first\n");
        held.add(() => res.end("rest\n"));
      } else if (behaviour === "slow-stream-sized") {
        res.writeHead(200, { "content-type": "text/plain", "content-length": "11", "x-origin": name });
        res.write("first\n");
        held.add(() => res.end("rest\n"));
      } else if (behaviour === "early-hints") {
        res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
        answer();
      } else if (behaviour === "hold") held.add(answer);
      else if (behaviour === "slow") setTimeout(answer, delayMs);
      else if (behaviour === "echo") setTimeout(answer, echoDelayMs(req.url));
      else answer();
    });
  });
  server.keepAliveTimeout = keepAliveTimeout;
  const recorder = requestRecorder(server, name);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;

  return {
    name,
    port: boundPort,
    url: `http://${host}:${boundPort}`,
    records: recorder.records,
    release() {
      for (const answer of held) answer();
      held.clear();
    },
    heldCount: () => held.size,
    async close() {
      for (const answer of held) answer();
      held.clear();
      for (const socket of recorder.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RequestRecorder {
  records: OriginRecord[];
  /** the open connections, for close() */
  sockets: Set<Socket>;
  record(req: IncomingMessage): OriginRecord;
}

/**
 * What every recording origin shares (this one and the tests' flaky origin): it numbers
 * the server's TCP connections, so a test can see one being reused, keeps the open ones
 * for close(), and records each request as it arrives (method, raw URL, headers).
 */
export function requestRecorder(server: Server, name: string): RequestRecorder {
  const records: OriginRecord[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let connections = 0;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    connectionIds.set(socket, ++connections);
    socket.on("close", () => sockets.delete(socket));
  });
  return {
    records,
    sockets,
    record(req) {
      const record: OriginRecord = {
        origin: name,
        method: req.method ?? "",
        url: req.url ?? "",
        headers: { ...req.headers },
        bodyBytes: 0,
        bodySha256: "",
        complete: false,
        receivedAt: Date.now(),
        arrivedAt: preciseNow(),
        connection: connectionIds.get(req.socket) ?? 0,
      };
      records.push(record);
      return record;
    },
  };
}

/**
 * Reads the request body into the record (size and SHA-256), marks it complete and
 * calls `onComplete` once the whole body arrived; never, when the client hangs up first.
 */
export function recordBody(req: IncomingMessage, record: OriginRecord, onComplete: () => void): void {
  const hash = createHash("sha256");
  req.on("data", (chunk: Buffer) => {
    record.bodyBytes += chunk.length;
    hash.update(chunk);
  });
  req.on("end", () => {
    record.bodySha256 = hash.digest("hex");
    record.complete = true;
    onComplete();
  });
}

/** 64 MiB in 64 KiB chunks, honouring backpressure; notes whether the reader hung up early. */
function streamHuge(res: ServerResponse, record: OriginRecord, name: string, sized: boolean): void {
  const chunk = Buffer.alloc(64 * 1024, 120);
  let sent = 0;
  record.responseAborted = false;
  const headers: OutgoingHttpHeaders = { "content-type": "application/octet-stream", "x-origin": name };
  if (sized) headers["content-length"] = String(1024 * chunk.length);
  res.writeHead(200, headers);
  res.on("close", () => {
    if (sent < 1024) record.responseAborted = true;
  });
  const pump = (): void => {
    while (sent < 1024) {
      sent++;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

/**
 * Calls `fn` `ms` after now, to a fraction of a millisecond: a timer alone fires up to
 * a millisecond or two late, which would bias the latency-shift tests' "v2 50 ms later".
 */
function after(ms: number, fn: () => void): void {
  const due = performance.now() + ms;
  const check = (): void => void (performance.now() >= due ? fn() : setImmediate(check));
  setTimeout(check, Math.max(0, ms - 2));
}

/** Now, in ms since the epoch, to a fraction of a millisecond. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** httpbin's header casing: `x-forwarded-host` → `X-Forwarded-Host`. */
function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function respond(
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  record: OriginRecord,
  behaviour: Behaviour,
  accessLog: ((line: string) => void) | null,
): void {
  const url = new URL(req.url ?? "/", "http://origin.invalid");
  let status = behaviour === "status500" ? 500 : 200;
  const headers: Record<string, string | string[]> = { "content-type": "application/json", "x-origin": name };
  let body: string;
  const statusPath = /^\/status\/(\d{3})$/.exec(url.pathname);
  const compared = behaviour === "ok" ? compareAnswer(name, url.pathname, req) : undefined;
  if (compared) {
    status = compared.status;
    Object.assign(headers, compared.headers);
    body = compared.body;
  } else if (statusPath && behaviour === "ok") {
    status = Number(statusPath[1]);
    body = "";
  } else if (url.pathname === "/headers") {
    const shown: Record<string, string | string[] | undefined> = {};
    for (const [key, value] of Object.entries(req.headers)) shown[titleCase(key)] = value;
    body = JSON.stringify({ headers: shown }, null, 2) + "\n";
  } else if (url.pathname === "/cookies/set") {
    headers["set-cookie"] = ["a=1; Path=/", "b=2; Path=/; HttpOnly"];
    body = "{}\n";
  } else if (url.pathname === "/range") {
    status = 206;
    headers["content-range"] = "bytes 0-3/10";
    headers["accept-ranges"] = "bytes";
    body = "0123";
  } else if (url.pathname === "/not-modified") {
    status = 304;
    headers.etag = '"v1"';
    body = "";
  } else if (url.pathname === "/redirect") {
    status = 302;
    headers.location = "https://elsewhere.example/";
    body = "";
  } else {
    body =
      JSON.stringify(
        {
          origin: name,
          method: record.method,
          url: record.url,
          bodyBytes: record.bodyBytes,
          bodySha256: record.bodySha256,
        },
        null,
        2,
      ) + "\n";
  }
  if (behaviour === "echo") Object.assign(headers, echoResponseHeaders(req));
  if (status === 204 || status === 304) body = "";
  headers["content-length"] = String(Buffer.byteLength(body));
  if (compared?.delayMs) {
    after(compared.delayMs, () => {
      record.headersSentAt = preciseNow();
      res.writeHead(status, headers);
      res.end(body);
    });
  } else {
    record.headersSentAt = preciseNow();
    res.writeHead(status, headers);
    res.end(body);
  }
  if (accessLog) {
    const forwardedHost = req.headers["x-forwarded-host"] ?? "-";
    accessLog(
      `127.0.0.1 - - [${clfDate(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ` +
        `${status} ${Buffer.byteLength(body)} "-" "${req.headers["user-agent"] ?? "-"}" ` +
        `x-forwarded-host=${forwardedHost}` +
        // The worker's second call to v1 for a compared request (MirrorPolicy compare.noisePercent).
        (req.headers["x-edge-mirror-noise"] ? ` x-edge-mirror-noise=${req.headers["x-edge-mirror-noise"]}` : ""),
    );
  }
}

/** Common Log Format date: 07/Jan/2024:00:57:31 +0000 */
function clfDate(d: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
