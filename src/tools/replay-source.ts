// Where a replay's records come from: a file (NDJSON or GoReplay, either gzipped —
// told apart by their bytes, not their names) or the worker's captures API
// (GET /__edge-mirror/api/captures, bearer, application/x-ndjson, oldest first);
// and `--save`, which writes what was read as NDJSON (gzipped when the name ends .gz).
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { looksLikeGor, parseGor } from "./replay-gor";
import { parseNdjson, type CaptureRecord, RecordError } from "./replay-record";

export type SourceFormat = "ndjson" | "gor";

/** A source that cannot be read: printed as it is, exit 2. */
export class SourceError extends Error {
  override name = "SourceError";
}

export function readCaptureFile(path: string): { records: CaptureRecord[]; format: SourceFormat } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SourceError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new SourceError(`cannot read ${path}: gzip: ${(e as Error).message}`);
    }
  }
  try {
    if (looksLikeGor(bytes)) return { records: parseGor(bytes, path), format: "gor" };
    return { records: parseNdjson(Buffer.from(bytes).toString("utf8"), path), format: "ndjson" };
  } catch (e) {
    if (e instanceof RecordError) throw new SourceError(e.message);
    throw e;
  }
}

export interface ApiQuery {
  base: URL;
  token: string;
  route: string;
  from?: string;
  to?: string;
  limit?: number;
}

const TIMEOUT_MS = 120_000;

/** The captures API's records for one route and time range. */
export async function fetchCaptures(q: ApiQuery): Promise<CaptureRecord[]> {
  const url = new URL("__edge-mirror/api/captures", q.base);
  url.searchParams.set("route", q.route);
  if (q.from) url.searchParams.set("from", q.from);
  if (q.to) url.searchParams.set("to", q.to);
  if (q.limit !== undefined) url.searchParams.set("limit", String(q.limit));
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${q.token}`, accept: "application/x-ndjson" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new SourceError(`cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const body = await response.text();
  if (response.status === 401 || response.status === 403) throw new SourceError(`${url.origin} refused the token (${response.status})`);
  if (response.status === 404 && !body.startsWith("{")) {
    throw new SourceError(`${url.origin}/__edge-mirror/ does not exist: set the secret EDGE_MIRROR_ADMIN_TOKEN on the worker (wrangler secret put), or check the URL`);
  }
  if (response.status !== 200) throw new SourceError(`${url.href} answered ${response.status}: ${body.slice(0, 200).trim()}`);
  try {
    return parseNdjson(body, url.pathname);
  } catch (e) {
    if (e instanceof RecordError) throw new SourceError(`${url.origin} did not answer with capture records: ${e.message}`);
    throw e;
  }
}

export function saveRecords(path: string, records: readonly CaptureRecord[]): void {
  const text = records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");
  try {
    writeFileSync(path, path.endsWith(".gz") ? gzipSync(text) : text);
  } catch (e) {
    throw new SourceError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
