// Reads an answer for comparison: the status, the headers the comparison looks at,
// and the body up to the cap. Past the cap the rest is cancelled, never read (for
// v1 the response is the worker's clone, a branch of a tee: while it is read, the
// runtime holds what the client's branch has not taken yet, so reading it to the end
// would hold a large answer in memory for a slow client). An over-cap body is known
// by the SHA-256 of its first cap bytes and its declared length.
//
// With a hold, every byte read is reserved in the isolate's memory ledger first
// (memory-budget.ts): a sized answer all at once, an unsized one chunk by chunk; when
// the ledger has no room the rest is cancelled and the read fails with OverBudget.
// The hold keeps the bytes until its owner releases it (comparison.ts).
import type { Answer } from "../compare/types";
import { concat } from "./body-tap";
import { OVER_BUDGET, type Hold } from "./memory-budget";

export async function readAnswer(response: Response, names: readonly string[], cap: number, hold?: Hold): Promise<Answer> {
  const headers = response.headers;
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  const answer: Answer = { status: response.status, headers: kept };
  const body = response.body;
  if (!body) return answer;
  const declared = headers.get("content-length");
  if (declared !== null && Number(declared) <= cap) {
    if (hold && !hold.add(Number(declared))) {
      await body.cancel().catch(() => {});
      throw OVER_BUDGET;
    }
    // Small and sized (the common case): read natively in one go, with no stream reader in JavaScript.
    answer.body = new Uint8Array(await response.arrayBuffer());
    return answer;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (hold && !hold.add(value.byteLength)) {
      await reader.cancel().catch(() => {});
      throw OVER_BUDGET;
    }
    chunks.push(value);
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => {});
      const digest = await crypto.subtle.digest("SHA-256", concat(chunks, size).subarray(0, cap));
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      answer.overCap = { sha256: `${hex};length=${declared ?? "unsized"}` };
      return answer;
    }
  }
  answer.body = concat(chunks, size);
  return answer;
}
