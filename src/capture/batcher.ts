// Captured records, batched per isolate and route, written to R2 as gzip-compressed
// NDJSON: a batch is written when it would pass 1 MiB, or 10 s after its first
// record — by a timer held in the waitUntil of the request that opened it, so a
// record is in R2 within seconds even when no request follows (timers advance while
// a request awaits; PLATFORM.md). One object per batch under a key no other batch
// uses (keys.ts): R2 allows about one write per second to one key, and a route
// writes at most one object per 10 s per isolate unless its traffic fills a MiB
// sooner. Counts (captured, dropped by reason) go with each write to the route's
// Durable Object (CompareStore, named `capture <route>`); without that binding they
// are only logged. Nothing here can reach the client: it all runs in waitUntil.
import { batchKey, isolateId } from "./keys";
import { jsonCaptureLogger, type CaptureLog } from "../observe/log";
import type { CompareStoreNamespace } from "../observe/compare-recorder";
import type { Hold, MemoryLedger } from "../proxy/memory-budget";

export type CaptureDrop = "too_large" | "bucket_error" | "memory_budget";
export const CAPTURE_DROPS: readonly CaptureDrop[] = ["too_large", "bucket_error", "memory_budget"];

/** What a route's counts object adds up (counts rows of kind "capture"). */
export type CaptureCounts = { captured: number } & Record<CaptureDrop, number>;

export function emptyCaptureCounts(): CaptureCounts {
  return { captured: 0, too_large: 0, bucket_error: 0, memory_budget: 0 };
}

/** The name of a route's capture counts object in COMPARE_STORE. */
export function captureCountsKey(route: string): string {
  return `capture ${route}`;
}

export interface CaptureSinks {
  bucket?: R2Bucket;
  store?: CompareStoreNamespace;
}

export interface BatcherOptions {
  /** a batch is written this long after its first record at the latest */
  flushMs?: number;
  /** … or before it would pass this many bytes of NDJSON */
  maxBytes?: number;
  log?: (line: CaptureLog) => void;
}

export const CAPTURE_FLUSH_MS = 10_000;
export const CAPTURE_BATCH_BYTES = 1024 * 1024;

interface Line {
  ms: number;
  text: string;
}

interface Batch {
  route: string;
  lines: Line[];
  bytes: number;
  counts: CaptureCounts;
  sinks: CaptureSinks;
  /** the batch's bytes in the isolate's memory ledger, given back once written */
  hold?: Hold;
}

interface Open extends Batch {
  /** ends the waitUntil that holds the batch: with the batch taken early (size), or undefined at the timer */
  close(taken?: Batch): void;
  /** settles once the batch is written (and its counts sent) */
  done?: Promise<void>;
}

const encoder = new TextEncoder();

export class CaptureBatcher {
  // Drawn on first use: the app is built at module load, where Workers forbid random values.
  #isolate?: string;
  readonly flushMs: number;
  readonly maxBytes: number;
  readonly log: (line: CaptureLog) => void;
  #seq = 0;
  #warned = false;
  readonly #open = new Map<string, Open>();
  readonly #writes = new Set<Promise<void>>();
  readonly #building = new Set<Promise<void>>();

  constructor({ flushMs = CAPTURE_FLUSH_MS, maxBytes = CAPTURE_BATCH_BYTES, log = jsonCaptureLogger }: BatcherOptions = {}) {
    this.flushMs = flushMs;
    this.maxBytes = maxBytes;
    this.log = log;
  }

  /** Whether capture can run at all: without a bucket it is skipped, with one log line per isolate. */
  ready(bucket: R2Bucket | undefined): bucket is R2Bucket {
    if (bucket) return true;
    if (!this.#warned) {
      this.#warned = true;
      this.log({ event: "capture", outcome: "no_bucket", detail: "capture is on in routes.yaml but the worker has no CAPTURES R2 binding: nothing is captured (add [[r2_buckets]] binding = \"CAPTURES\" to wrangler.toml)" });
    }
    return false;
  }

  /** Adds one record (its NDJSON line, without the newline) to the route's batch. */
  add(route: string, ms: number, record: string, sinks: CaptureSinks, waitUntil: (p: Promise<unknown>) => void, memory?: MemoryLedger): void {
    const text = record + "\n";
    const bytes = encoder.encode(text).byteLength;
    if (bytes > this.maxBytes) {
      this.drop(route, "too_large", sinks, waitUntil, `${bytes} bytes`);
      return;
    }
    let open = this.#open.get(route);
    if (open && open.bytes + bytes > this.maxBytes) {
      // Full: written now, by the request that opened it; this record opens the next batch.
      this.#close(open);
      open = undefined;
    }
    open ??= this.#start(route, sinks, waitUntil);
    if (memory && !(open.hold ??= memory.hold()).add(bytes)) {
      this.drop(route, "memory_budget", sinks, waitUntil, `${bytes} bytes`);
      return;
    }
    open.lines.push({ ms, text });
    open.bytes += bytes;
    open.counts.captured++;
  }

  /** Counts a record not captured; the count goes with the route's next write (or a flush of counts alone). */
  drop(route: string, reason: CaptureDrop, sinks: CaptureSinks, waitUntil: (p: Promise<unknown>) => void, detail?: string): void {
    const line: CaptureLog = { event: "capture", route, outcome: reason, records: 1 };
    if (detail) line.detail = detail;
    this.log(line);
    const open = this.#open.get(route) ?? this.#start(route, sinks, waitUntil);
    open.counts[reason]++;
  }

  /** A record being built (its bodies still being read): flushAll waits for it. */
  building(record: Promise<void>): Promise<void> {
    this.#building.add(record);
    return record.finally(() => this.#building.delete(record));
  }

  /** Writes every open batch now and waits for every write under way (the captures API reads right after). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.#building]);
    for (const open of [...this.#open.values()]) this.#close(open);
    await Promise.all([...this.#writes]);
  }

  #start(route: string, sinks: CaptureSinks, waitUntil: (p: Promise<unknown>) => void): Open {
    let close!: (taken?: Batch) => void;
    const closed = new Promise<Batch | undefined>((resolve) => (close = resolve));
    const timer = setTimeout(() => close(undefined), this.flushMs);
    const open: Open = {
      route,
      lines: [],
      bytes: 0,
      counts: emptyCaptureCounts(),
      sinks,
      close: (taken) => {
        clearTimeout(timer);
        close(taken);
      },
    };
    this.#open.set(route, open);
    const done = closed.then((taken) => this.#write(taken ?? this.#take(open)));
    open.done = done;
    this.#writes.add(done);
    waitUntil(done.finally(() => this.#writes.delete(done)));
    return open;
  }

  #close(open: Open): void {
    open.close(this.#take(open));
  }

  /** Detaches a batch from the isolate's open ones (synchronously: the next record starts a new one). */
  #take(open: Open): Batch | undefined {
    if (this.#open.get(open.route) !== open) return undefined;
    this.#open.delete(open.route);
    return { route: open.route, lines: open.lines, bytes: open.bytes, counts: open.counts, sinks: open.sinks, hold: open.hold };
  }

  async #write(batch: Batch | undefined): Promise<void> {
    if (!batch) return;
    try {
      await this.#put(batch);
    } finally {
      batch.hold?.release();
    }
    await this.#count(batch);
  }

  async #put(batch: Batch): Promise<void> {
    const { lines, route } = batch;
    if (lines.length === 0 || !batch.sinks.bucket) return;
    // Oldest first inside an object; the key carries the oldest record's time.
    lines.sort((a, b) => a.ms - b.ms);
    const first = lines[0]!.ms;
    const last = lines[lines.length - 1]!.ms;
    const key = batchKey(route, first, (this.#isolate ??= isolateId()), ++this.#seq);
    try {
      const gzipped = await gzip(lines.map((l) => l.text).join(""));
      await batch.sinks.bucket.put(key, gzipped, {
        httpMetadata: { contentType: "application/gzip" },
        customMetadata: { first: new Date(first).toISOString(), last: new Date(last).toISOString(), count: String(lines.length) },
      });
      this.log({ event: "capture", route, outcome: "flushed", records: lines.length, bytes: gzipped.byteLength, key });
    } catch (e) {
      batch.counts.bucket_error += lines.length;
      batch.counts.captured -= lines.length;
      this.log({ event: "capture", route, outcome: "bucket_error", records: lines.length, key, detail: (e as Error)?.message ?? String(e) });
    }
  }

  async #count(batch: Batch): Promise<void> {
    const store = batch.sinks.store;
    const { counts } = batch;
    if (!store || (counts.captured === 0 && CAPTURE_DROPS.every((d) => counts[d] === 0))) return;
    try {
      await store.get(store.idFromName(captureCountsKey(batch.route))).recordCapture(counts);
    } catch (e) {
      this.log({ event: "capture", route: batch.route, outcome: "count_failed", detail: (e as Error)?.message ?? String(e) });
    }
  }
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body.pipeThrough(new DecompressionStream("gzip"))).text();
}
