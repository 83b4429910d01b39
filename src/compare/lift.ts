// Lifting (Diffy's word): an answer becomes the tree that is compared — its status,
// the headers the compare config names, and the body by what its content type says
// it is: JSON parsed, text as text, anything else (or anything that does not parse,
// or is over the cap) by digest only.
import { hashBytes } from "./hash";
import { isOwnHeader } from "./own-headers";
import type { Answer, Lifted, LiftedBody } from "./types";

// fatal: a body that is not UTF-8 is not text we can compare field by field.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const lenientUtf8 = new TextDecoder("utf-8");

/**
 * `headerNames` are the compare config's `headers` (any case); only these are lifted,
 * so a header that differs on every request (date, server timing) is never compared
 * unless asked for.
 */
export function lift(answer: Answer, headerNames: readonly string[]): Lifted {
  const byName = lowercaseKeys(answer.headers);
  const headers: Record<string, string> = {};
  for (const raw of headerNames) {
    const name = raw.toLowerCase();
    if (isOwnHeader(name)) continue; // the worker's own markers (own-headers.ts)
    const value = byName.get(name);
    if (value !== undefined) headers[name] = value;
  }
  const body = liftBody(answer, byName.get("content-type"));
  return body === undefined ? { status: answer.status, headers } : { status: answer.status, headers, body };
}

/** The bytes lift() would JSON.parse for this answer's body (0 when it would not parse it). */
export function jsonBodyBytes(answer: Answer): number {
  if (answer.overCap || !answer.body) return 0;
  for (const name in answer.headers) {
    if (name.toLowerCase() === "content-type") return isJson(mediaType(answer.headers[name])) ? answer.body.length : 0;
  }
  return 0;
}

function lowercaseKeys(headers: Readonly<Record<string, string>>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) map.set(name.toLowerCase(), value);
  return map;
}

function liftBody(answer: Answer, contentType: string | undefined): LiftedBody | undefined {
  if (answer.overCap) return { kind: "digest", value: `sha256:${answer.overCap.sha256.toLowerCase()}`, overCap: true };
  const bytes = answer.body;
  // No body and an empty body are the same answer over HTTP (a 204, a HEAD, a length of 0).
  if (bytes === undefined || bytes.length === 0) return undefined;
  const type = mediaType(contentType);
  if (isJson(type)) {
    try {
      return { kind: "json", value: JSON.parse(strictUtf8.decode(bytes)) };
    } catch {
      // Not UTF-8 or not JSON although labelled so: still comparable, by digest.
      return digestOf(bytes);
    }
  }
  if (type.startsWith("text/")) return { kind: "text", value: lenientUtf8.decode(bytes) };
  return digestOf(bytes);
}

function digestOf(bytes: Uint8Array): LiftedBody {
  return { kind: "digest", value: `fnv64:${hashBytes(bytes)}`, overCap: false };
}

/** `Application/JSON; charset=utf-8` → `application/json`. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();
}

/** RFC 8259's `application/json`, and RFC 6839's `+json` suffix (`application/problem+json`). */
function isJson(type: string): boolean {
  return type === "application/json" || (type.includes("/") && type.endsWith("+json"));
}
