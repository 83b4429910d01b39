// Checks sent requests against what v1 and v2 recorded and what the worker logged:
// per invariant, the list of violations (one line each, naming the request), and the
// figures (failures, shadows expected / arrived / skipped, …) of those requests.
import type { OriginRecord } from "../../devkit/origin";
import type { RequestLog } from "../../src/observe/log";
import type { ShadowLog } from "./run";
import { HOST } from "./client";
import type { SoakRequest } from "./mix";
import type { SoakRun } from "./run";

export const SHADOW_HOST = "httpbin-shadow:8000";

export type Observed = Pick<SoakRun, "v1Records" | "v2Records" | "logs" | "workerdExited">;

export const INVARIANTS = [
  "transport",
  "answer",
  "v1Once",
  "shadowArrivedOnce",
  "shadowIntact",
  "shadowAuthority",
  "overCapNotSent",
  "overCapLogged",
  "missingHasReason",
  "shadowLineWellFormed",
  "requestLine",
  "noStrays",
  "noUnhandled",
] as const;
export type Invariant = (typeof INVARIANTS)[number];
export type Violations = Record<Invariant, string[]>;

export interface Figures {
  sent: number;
  failures: number;
  shadowsExpected: number;
  shadowsArrived: number;
  shadowsArrivedEligible: number;
  skipped: Record<string, number>;
  shadowErrors: Record<string, number>;
  integrityMismatches: number;
  duplicates: number;
  missingUnexplained: number;
}

export function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** What v1 (devkit/origin.ts) answers for this request: its JSON echo. */
function v1Answer(req: SoakRequest): string {
  return JSON.stringify({ origin: "v1", method: req.method, url: req.path, bodyBytes: req.size ?? 0, bodySha256: req.sha256 }, null, 2) + "\n";
}

/**
 * `warmupPrefix`: ids starting with it are this run's too (warm-up requests, or the
 * other phase's), so they are not reported as strays.
 */
export function verify(reqs: SoakRequest[], observed: Observed, warmupPrefix: string): { v: Violations; fig: Figures } {
  const { logs } = observed;
  const idOf = (rec: OriginRecord) => String(rec.headers["x-request-id"] ?? "");
  const v1ById = groupBy(observed.v1Records, idOf);
  const v2ById = groupBy(observed.v2Records, idOf);
  const reqLogById = groupBy<RequestLog, string>(logs.request, (l) => l.requestId);
  const shadowLogById = groupBy<ShadowLog, string>(logs.shadow, (l) => l.requestId);
  const known = new Set(reqs.map((r) => r.id));
  const ours = (id: string) => known.has(id) || id.startsWith(warmupPrefix);

  const v = Object.fromEntries(INVARIANTS.map((k) => [k, []])) as unknown as Violations;
  const add = (k: Invariant, req: SoakRequest | null, msg: string) =>
    v[k].push(
      `${req ? `${req.id} (${req.kind} ${req.method}${req.size === null ? "" : ` ${req.size} B${req.chunked ? " chunked" : " content-length"}`}): ` : ""}${msg}`,
    );
  const fig: Figures = {
    sent: 0,
    failures: 0,
    shadowsExpected: 0,
    shadowsArrived: 0,
    shadowsArrivedEligible: 0,
    skipped: {},
    shadowErrors: {},
    integrityMismatches: 0,
    duplicates: 0,
    missingUnexplained: 0,
  };

  for (const req of reqs) {
    if (req.error.startsWith("not sent")) {
      add("transport", req, req.error);
      fig.failures++;
      continue;
    }
    fig.sent++;
    let failed = false;
    // 1. the client: a complete answer, exactly v1's.
    if (req.error) {
      add("transport", req, req.error);
      failed = true;
    } else {
      const expected = Buffer.from(v1Answer(req));
      const body = req.answer ?? Buffer.alloc(0);
      const problems: string[] = [];
      if (req.status !== 200) problems.push(`status ${req.status}`);
      if (req.answerHeaders["x-origin"] !== "v1") problems.push(`x-origin ${req.answerHeaders["x-origin"]}`);
      if (req.method === "HEAD") {
        if (body.length !== 0) problems.push(`HEAD answer has a ${body.length} B body`);
        const cl = req.answerHeaders["content-length"];
        if (cl !== undefined && Number(cl) !== expected.length) problems.push(`HEAD content-length ${cl}, v1 said ${expected.length}`);
      } else if (!body.equals(expected)) {
        problems.push(`body differs from v1's answer: got ${JSON.stringify(body.toString("utf8").slice(0, 300))}`);
      }
      if (problems.length) {
        add("answer", req, problems.join("; "));
        failed = true;
      }
    }
    if (failed) fig.failures++;

    // 2. v1 got it once, intact.
    const at1 = v1ById.get(req.id) ?? [];
    const rec1 = at1[0];
    if (at1.length !== 1 || !rec1) add("v1Once", req, `v1 has ${at1.length} records`);
    else {
      const p: string[] = [];
      if (rec1.method !== req.method) p.push(`method ${rec1.method}`);
      if (rec1.url !== req.path) p.push(`url ${rec1.url}`);
      if (!rec1.complete) p.push("body incomplete");
      if (rec1.bodyBytes !== (req.size ?? 0) || rec1.bodySha256 !== req.sha256) {
        p.push(`body ${rec1.bodyBytes} B sha ${rec1.bodySha256.slice(0, 12)} (sent ${req.size ?? 0} B sha ${req.sha256.slice(0, 12)})`);
      }
      if (rec1.headers["x-forwarded-host"] !== HOST) p.push(`x-forwarded-host ${rec1.headers["x-forwarded-host"]}`);
      if (p.length) add("v1Once", req, `v1 record: ${p.join("; ")}`);
    }

    // 3. the shadow.
    const at2 = v2ById.get(req.id) ?? [];
    const lines = shadowLogById.get(req.id) ?? [];
    for (const l of lines) {
      if (l.skipped) fig.skipped[l.skipped] = (fig.skipped[l.skipped] ?? 0) + 1;
      if (l.error) fig.shadowErrors[l.error] = (fig.shadowErrors[l.error] ?? 0) + 1;
    }
    fig.shadowsArrived += at2.length;
    const primaryFailed = (reqLogById.get(req.id) ?? []).some((l) => l.error);
    if (req.eligible) {
      fig.shadowsExpected++;
      if (at2.length === 1) fig.shadowsArrivedEligible++;
      if (at2.length > 1) {
        fig.duplicates += at2.length - 1;
        add("shadowArrivedOnce", req, `v2 got it ${at2.length} times`);
      } else if (at2.length === 0 && primaryFailed && lines.some((l) => l.skipped === "body_incomplete")) {
        // docs/operations.md: the primary failed before it had read the body, so no complete copy
        // exists; skipped with a reason (the client's failure is counted under "answer").
      } else if (at2.length === 0) {
        const why = lines.map((l) => l.skipped ?? l.error).filter(Boolean);
        add(
          "shadowArrivedOnce",
          req,
          `never reached v2 (log: ${why.length ? why.join(", ") : lines.length ? "status " + lines.map((l) => l.status).join(",") : "no shadow line"})`,
        );
        if (!why.length) {
          fig.missingUnexplained++;
          add("missingHasReason", req, `shadow missing at v2 and no skipped/error shadow line (${lines.length} shadow lines)`);
        }
      }
      for (const rec of at2) {
        const p: string[] = [];
        if (rec.method !== req.method) p.push(`method ${rec.method}, sent ${req.method}`);
        if (rec.url !== req.path) p.push(`url ${rec.url}, sent ${req.path}`);
        if (!rec.complete) p.push("body incomplete at v2");
        if (rec.bodyBytes !== (req.size ?? 0) || rec.bodySha256 !== req.sha256) {
          p.push(`body ${rec.bodyBytes} B sha256 ${rec.bodySha256.slice(0, 16)}…, sent ${req.size ?? 0} B sha256 ${req.sha256.slice(0, 16)}…`);
        }
        if (p.length) {
          fig.integrityMismatches++;
          add("shadowIntact", req, p.join("; "));
        }
        if (rec.headers["x-forwarded-host"] !== SHADOW_HOST) add("shadowAuthority", req, `x-forwarded-host ${JSON.stringify(rec.headers["x-forwarded-host"])}`);
      }
    } else {
      if (at2.length) add("overCapNotSent", req, `over the cap, yet v2 got ${at2.length} request(s) (${at2.map((x) => x.bodyBytes + " B").join(", ")})`);
      // docs/reference.md: over the cap → body_too_large; but when the primary failed while the
      // body was still streaming, body_incomplete is the documented reason.
      const reasonOk = (l: ShadowLog) => l.skipped === "body_too_large" || (primaryFailed && l.skipped === "body_incomplete");
      if (!lines.some(reasonOk)) {
        add("overCapLogged", req, `no shadow line with skipped body_too_large${primaryFailed ? " or body_incomplete" : ""} (lines: ${JSON.stringify(lines)})`);
        if (!at2.length && !lines.some((l) => l.skipped || l.error)) {
          fig.missingUnexplained++;
          add("missingHasReason", req, "over-cap shadow not sent and no reason logged");
        }
      }
    }
    // Exactly one shadow line per request, with an outcome; and it agrees with v2.
    if (lines.length !== 1) add("shadowLineWellFormed", req, `${lines.length} shadow log lines`);
    for (const l of lines) {
      const outcomes = (["status", "skipped", "error"] as const).filter((k) => l[k] !== undefined);
      if (outcomes.length !== 1) add("shadowLineWellFormed", req, `shadow line without exactly one outcome: ${JSON.stringify(l)}`);
      if (l.destination !== "httpbin/v2") add("shadowLineWellFormed", req, `shadow line ${JSON.stringify(l)}`);
      if (req.eligible && at2.length === 1 && l.status !== 200) add("shadowLineWellFormed", req, `arrived at v2 but logged ${JSON.stringify(l)}`);
    }
    // One request line, telling the status the client got, one mirror, destination v1.
    // (A 503 is counted once, under "answer"; here only the log's truth matters.)
    const rl = reqLogById.get(req.id) ?? [];
    if (!req.error && rl.length !== 1) add("requestLine", req, `${rl.length} request log lines`);
    for (const l of rl) {
      const statusOk = req.error ? true : l.status === req.status && (l.status === 200) === !l.error;
      if (!statusOk || (l.shadows?.length ?? 0) !== 1 || l.destination !== "httpbin/v1") add("requestLine", req, `request line ${JSON.stringify(l)} (client got ${req.status || req.error})`);
    }
  }

  // Anything at the origins or in the logs that no request of ours explains.
  for (const [id, recs] of v1ById) if (!ours(id)) add("noStrays", null, `v1 got ${recs.length} request(s) with unknown x-request-id ${JSON.stringify(id)}`);
  for (const [id, recs] of v2ById) if (!ours(id)) add("noStrays", null, `v2 got ${recs.length} request(s) with unknown x-request-id ${JSON.stringify(id)}`);
  for (const [id] of shadowLogById) if (!ours(id)) add("noStrays", null, `shadow log line for unknown request ${JSON.stringify(id)}`);
  for (const [id] of reqLogById) if (!ours(id)) add("noStrays", null, `request log line for unknown request ${JSON.stringify(id)}`);

  // Unhandled errors: anything workerd printed on stderr that looks like one, an
  // `internal:` request line, or workerd dying.
  for (const line of logs.stderr) if (UNHANDLED.test(line)) add("noUnhandled", null, `workerd stderr: ${line.slice(0, 400)}`);
  for (const l of logs.request) if (typeof l.error === "string" && l.error.startsWith("internal")) add("noUnhandled", null, `request line ${JSON.stringify(l)}`);
  if (observed.workerdExited !== null) add("noUnhandled", null, `workerd exited (${observed.workerdExited})`);
  return { v, fig };
}

/** A workerd stderr line that reports an error. */
export const UNHANDLED = /uncaught|error|exception|panic|abort/i;

/** Why clients did not get v1's answer: "503 upstream_unavailable", "ECONNRESET", … */
export function failureCauses(reqs: SoakRequest[], requestLines: RequestLog[]): Record<string, number> {
  const byId = new Map(requestLines.map((l) => [l.requestId, l]));
  const causes: Record<string, number> = {};
  for (const q of reqs) {
    let cause = "";
    if (q.error) cause = /ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|no answer in|not sent/.exec(q.error)?.[0] ?? q.error.slice(0, 40);
    else if (q.status !== 200) {
      const logged = byId.get(q.id)?.error;
      cause = `${q.status}${logged ? ` ${logged}` : ""}`;
    } else if (q.answerHeaders["x-origin"] !== "v1") cause = "not from v1";
    if (cause) causes[cause] = (causes[cause] ?? 0) + 1;
  }
  return causes;
}
