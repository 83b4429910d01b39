// Reads the worker's own copy of a body (a tee branch: request.body's or a clone of
// v1's answer) for a capture record: the first `cap` bytes are kept; past them the
// rest is only counted, so the record says the original size. With a known
// Content-Length the branch is cancelled at the cap instead (the size is known). The
// client's branch is never touched: the runtime buffers for the slower branch, and
// a cancelled branch frees it.
import type { BodyPrefix } from "./record";
import { concat } from "../proxy/body-tap";

/** A branch still streaming after this long is cut off (SSE, long polls): the record is stored with what was read. */
export const CAPTURE_READ_LIMIT_MS = 20_000;

export async function readPrefix(stream: ReadableStream<Uint8Array> | null, cap: number, contentLength: number | undefined, limitMs = CAPTURE_READ_LIMIT_MS): Promise<BodyPrefix> {
  if (!stream) return { bytes: new Uint8Array(0), size: 0, truncated: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limitMs)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === "timeout") {
        await reader.cancel().catch(() => {});
        return { bytes: concat(chunks, kept), size: Math.max(size, contentLength ?? 0), truncated: true };
      }
      if (next.done) break;
      const chunk = next.value;
      size += chunk.byteLength;
      if (kept < cap) {
        const take = Math.min(chunk.byteLength, cap - kept);
        chunks.push(take === chunk.byteLength ? chunk : chunk.subarray(0, take));
        kept += take;
      }
      if (size > cap && contentLength !== undefined && contentLength > cap) {
        // The size is known: the rest need not pass through JavaScript.
        await reader.cancel().catch(() => {});
        return { bytes: concat(chunks, kept), size: contentLength, truncated: true };
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return { bytes: concat(chunks, kept), size, truncated: size > kept };
}
