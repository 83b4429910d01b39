// An endpoint: the method and the path template a request belongs to (issue 21 item 2).
// Diffy judges per endpoint (ai/diffy/analysis/DifferenceAnalyzer.scala keys its
// counts by endpoint), because a field that is noise on one endpoint may be a real
// divergence on another, and because 20 divergent requests to one endpoint must not
// be hidden by thousands of agreeing ones to another. Path segments that name data
// rather than a resource become `{id}`:
// - digits only (`/users/42`), a UUID (any version), a date (`2026-12-07`), an e-mail
//   address (holds `@`);
// - hex of 8 characters or more holding a digit (Git SHAs, Mongo ObjectIds);
// - token-like: a run of 10 or more letters and digits (between `-`, `_`, `.`, `=`, `~`)
//   holding a digit and either both cases or 2 digits or more (`cus_NffrFeUfNV2Hib`,
//   `pi_3MtwBwLkdIwHu7ix28a3tqPa`, GitHub's `MDQ6VXNlcjE=`, `x7k9q2m4p8`); not
//   `oauth2callback`, `v2`, `v1.2.3`, `my-first-post-2024`;
// - longer than MAX_SEGMENT_CHARS (a name a person wrote is shorter).
// Segments are judged percent-decoded and written as they came (request.url is
// already normalised by the runtime: docs/PLATFORM.md). Empty segments and a
// trailing slash are kept: `/users/` and `/users` are two endpoints, as they are two
// routes to Istio unless merge_slashes is set. The query is not part of it.
// An endpoint is at most MAX_ENDPOINT_BYTES (UTF-8): a longer template is cut at a
// segment and ends in `/…`. Pure: runs in the worker and in Node.

/** The most UTF-8 bytes an endpoint's text holds (method, space, template). */
export const MAX_ENDPOINT_BYTES = 160;
/** A segment longer than this (as sent) is data, not a name. */
export const MAX_SEGMENT_CHARS = 64;
/** A method longer than this is cut (methods are tokens; the known ones have at most 7 letters). */
const MAX_METHOD_CHARS = 16;
export const ID = "{id}";
const CUT = "/…";

const DATA = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\d|(?=[a-f]*\d)[0-9a-f]{8,}|.*@.*)$/i;

/** Whether a (decoded) path segment names data rather than a resource. */
export function isIdSegment(segment: string): boolean {
  if (segment.length > MAX_SEGMENT_CHARS || DATA.test(segment)) return true;
  // A token-like run is at least 10 characters long: shorter segments have none.
  if (segment.length < 10) return false;
  for (const run of segment.split(/[^A-Za-z0-9]+/)) {
    if (run.length < 10) continue;
    const digits = run.replace(/\D/g, "").length;
    if (digits > 0 && digits < run.length && (digits >= 2 || (/[a-z]/.test(run) && /[A-Z]/.test(run)))) return true;
  }
  return false;
}

/** `GET /users/{id}/orders` for GET /users/42/orders (the path without its query). */
export function endpointOf(method: string, path: string): string {
  let out = `${method.slice(0, MAX_METHOD_CHARS)} `;
  let bytes = utf8Length(out);
  const segments = path.split("/");
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    const seg = i > 0 && raw !== "" && isIdSegment(decode(raw)) ? ID : raw;
    const next = (i > 0 ? "/" : "") + seg;
    const n = utf8Length(next);
    // Room for the cut mark (4 bytes) is kept unless this is the last segment.
    if (bytes + n > MAX_ENDPOINT_BYTES - (i < segments.length - 1 ? 4 : 0)) return out + CUT;
    out += next;
    bytes += n;
  }
  return out;
}

/** UTF-8 bytes of `s` without encoding it (it runs per compared request): what TextEncoder would give, lone surrogates as 3. */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

function decode(segment: string): string {
  try {
    return segment.length > MAX_SEGMENT_CHARS || !segment.includes("%") ? segment : decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
