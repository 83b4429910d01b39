// Copies a request body for the shadow while the primary streams it. The body is
// teed by the runtime: one branch goes to the primary untouched (workerd sends a
// teed stream with Content-Length when the request carries that header, which the
// forwarded headers keep); the other is read into memory up to the cap. Two fetches never
// share a tee (a slow shadow origin would stall the primary upload: PLATFORM.md),
// and the shadow is sent only once the whole body has been read (Envoy's buffered
// shadow). Past the cap the copy branch is cancelled, so the rest of a large body
// flows natively without JavaScript touching each chunk.

import type { ShadowSkip } from "../observe/log";
import type { Hold, MemoryLedger } from "./memory-budget";

export type BodyCopy =
  | { ok: true; bytes: Uint8Array; /** gives the copy's bytes back to the isolate's ledger: call once the shadows are sent */ release(): void }
  | { ok: false; reason: ShadowSkip };

export interface BodyTap {
  /** the stream to send to the primary */
  body: ReadableStream<Uint8Array>;
  /** settles once the body has been read (or could not be) */
  copy: Promise<BodyCopy>;
  /** the primary failed: no shadow will be sent from an incomplete copy (its bytes go back to the ledger) */
  abandon(): void;
}

const overBudget: BodyCopy = { ok: false, reason: "memory_budget" };

/**
 * The copy's bytes are reserved in `ledger` before they are read: all at once when
 * Content-Length says how many (and when they do not fit, the body is not teed at
 * all: the primary streams it untouched), chunk by chunk otherwise (the copy stops
 * when the ledger runs out).
 */
export function tapBody(body: ReadableStream<Uint8Array>, contentLength: number | undefined, cap: number, ledger: MemoryLedger): BodyTap {
  const sized = contentLength !== undefined && contentLength <= cap;
  const hold = sized ? ledger.reserve(contentLength) : ledger.hold();
  if (!hold) return { body, copy: Promise.resolve(overBudget), abandon() {} };
  const [toPrimary, toCopy] = body.tee();
  let abandoned = false;
  let settleAbandon!: (copy: BodyCopy) => void;
  const abandonedCopy = new Promise<BodyCopy>((resolve) => (settleAbandon = resolve));
  // A known length within the cap is read natively in one go; otherwise chunk by chunk up to the cap.
  const read = sized ? readWhole(toCopy, hold) : readCopy(toCopy, cap, hold);
  const copy = Promise.race([read, abandonedCopy]);
  return {
    body: toPrimary,
    copy,
    abandon() {
      if (abandoned) return;
      abandoned = true;
      // A chunked read still going stops at its next chunk (the hold refuses more).
      hold.release();
      settleAbandon({ ok: false, reason: "body_incomplete" });
    },
  };
}

async function readWhole(branch: ReadableStream<Uint8Array>, hold: Hold): Promise<BodyCopy> {
  try {
    return { ok: true, bytes: new Uint8Array(await new Response(branch).arrayBuffer()), release: hold.release };
  } catch {
    hold.release();
    return { ok: false, reason: "body_incomplete" };
  }
}

async function readCopy(branch: ReadableStream<Uint8Array>, cap: number, hold: Hold): Promise<BodyCopy> {
  const reader = branch.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      const over = size > cap;
      if (over || !hold.add(value.byteLength)) {
        // Drop the copy; the primary's branch carries on alone.
        hold.release();
        await reader.cancel().catch(() => {});
        return over ? { ok: false, reason: "body_too_large" } : overBudget;
      }
      chunks.push(value);
    }
  } catch {
    hold.release();
    return { ok: false, reason: "body_incomplete" };
  }
  return { ok: true, bytes: concat(chunks, size), release: hold.release };
}
/** The chunks as one array (the chunk itself when there is one). */
export function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
