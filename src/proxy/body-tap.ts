// Copies a request body for the shadow while the primary streams it. The primary
// reads the body at its own pace through a pass-through stream; the copy is kept
// in memory up to a cap. Two fetches never share a tee (a slow shadow origin would
// stall the primary upload: docs/PLATFORM.md), and the shadow is sent only after
// the primary has read the whole body (Envoy's buffered shadow).

export type BodyCopy =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: "body_too_large" | "body_incomplete" };

export interface BodyTap {
  /** the stream to send to the primary */
  body: ReadableStream<Uint8Array>;
  /** settles once the primary has read the body (or failed to) */
  copy: Promise<BodyCopy>;
  /** the primary failed before reading the body: no complete copy will come */
  abandon(): void;
}

export function tapBody(body: ReadableStream<Uint8Array>, contentLength: number | undefined, cap: number): BodyTap {
  let settle!: (copy: BodyCopy) => void;
  const copy = new Promise<BodyCopy>((resolve) => (settle = resolve));
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (!tooLarge && size <= cap) chunks.push(chunk.slice());
      else if (!tooLarge) {
        tooLarge = true;
        chunks.length = 0; // free the copy now: this shadow will not be sent
      }
      controller.enqueue(chunk);
    },
    flush() {
      settle(tooLarge ? { ok: false, reason: "body_too_large" } : { ok: true, bytes: concat(chunks, size) });
    },
  });
  // Keep Content-Length on the primary: a fixed-length stream is sent with it, a plain one chunked.
  const sized = contentLength !== undefined ? new FixedLengthStream(contentLength) : new TransformStream<Uint8Array, Uint8Array>();
  body
    .pipeThrough(tap)
    .pipeTo(sized.writable)
    .catch(() => settle({ ok: false, reason: "body_incomplete" }));
  return { body: sized.readable, copy, abandon: () => settle({ ok: false, reason: "body_incomplete" }) };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
