// A raw HTTP/1.1 client: sends exactly the bytes given, so tests can use what
// fetch() would refuse or rewrite (GET with a body, non-UTF-8 paths, odd Hosts,
// duplicate headers, a client that hangs up mid-upload).
import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
  raw: Buffer;
  /** the undecoded body of a chunked response */
  chunkedBody?: Buffer;
}

export function header(res: RawResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/**
 * Sends `head` (CRLF-joined lines, blank line added) and `body`; resolves once one
 * whole response has arrived (by Content-Length, chunked end, or the server closing).
 */
export async function rawRequest(port: number, head: string[], body: Buffer | string = "", timeoutMs = 5000): Promise<RawResponse> {
  const socket = connect(port, "127.0.0.1");
  const isHead = head[0]!.startsWith("HEAD ");
  let data = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1"), Buffer.isBuffer(body) ? body : Buffer.from(body)]));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`raw request timed out; received: ${data.toString("latin1").slice(0, 300)}`))), timeoutMs);
    const done = () => (clearTimeout(timer), socket.destroy(), resolve());
    socket.on("data", (c) => {
      data = Buffer.concat([data, c]);
      if (complete(data, isHead)) done();
    });
    socket.once("close", done);
    socket.once("error", () => {});
  });
  return parse(data);
}

function complete(data: Buffer, isHead: boolean): boolean {
  const res = parse(data);
  if (res.status === 0) return false;
  if (isHead || res.status === 204 || res.status === 304) return true;
  const length = header(res, "content-length");
  if (length !== undefined) return res.body.length >= Number(length);
  if (res.chunkedBody) return res.chunkedBody.includes("0\r\n\r\n");
  return false;
}

export function parse(raw: Buffer): RawResponse {
  let rest = raw;
  // Skip interim 1xx responses.
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) return { status: 0, headers: [], body: Buffer.alloc(0), raw };
    const lines = rest.subarray(0, end).toString("latin1").split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers = lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()] as [string, string]);
    rest = rest.subarray(end + 4);
    if (status >= 100 && status < 200 && status !== 101) continue;
    const chunked = headers.some(([n, v]) => n.toLowerCase() === "transfer-encoding" && v.includes("chunked"));
    return { status, headers, body: chunked ? dechunk(rest) : rest, raw, chunkedBody: chunked ? rest : undefined };
  }
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!size) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Opens a connection and sends only `bytes`, leaving it open; the caller destroys it. */
export async function openAndSend(port: number, bytes: string): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.write(bytes);
  return socket;
}
