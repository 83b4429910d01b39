// One example in full (issue 21 item 6): the request (method, path, status codes of
// both answers, request id, trace id, when), every differing field the example kept
// with v1's value on the left and v2's on the right (redacted by src/compare/redact.ts
// before it was stored), and the request as a copy-as-curl. What the curl is built
// from is all an example stores of the request: its method, scheme and host, path
// (no query: a query can carry tokens) and Content-Type. Authorization, Cookie, other
// headers and the body are never stored, so they cannot be shown.
import { utc } from "./format";
import { Layout } from "./layout";
import { ExamplePair } from "./example-pair";
import { routeHref } from "./routes-page";
import { ADMIN_PREFIX } from "../admin/http";
import type { MirrorRow, ReportExample } from "./view-model";

/** The example page's address: route, mirror, request id and time name one example. */
export const exampleHref = (route: string, mirror: string, e: ReportExample) =>
  `${ADMIN_PREFIX}example?name=${encodeURIComponent(route)}&mirror=${encodeURIComponent(mirror)}&request=${encodeURIComponent(e.requestId)}&at=${e.at}`;

/** A shell word: single-quoted, a quote inside written as '\''. */
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The example's request as a curl command line, from what the example stores (never a credential). */
export function curlOf(e: ReportExample): string {
  const url = `${e.origin ?? "https://HOST"}${e.path}`;
  const lines = [`curl -X ${e.method} ${quote(url)}`];
  if (e.contentType) lines.push(`  -H ${quote(`content-type: ${e.contentType}`)}`);
  return lines.join(" \\\n");
}

const COPY_SCRIPT = `document.querySelectorAll("button[data-copy]").forEach(function(b){b.hidden=false;b.addEventListener("click",function(){var t=document.getElementById(b.getAttribute("data-copy")).textContent;navigator.clipboard.writeText(t).then(function(){b.textContent="Copied"},function(){b.textContent="Select the text to copy"})})})`;

export function ExamplePage({ row, example, nonce, who }: { row: MirrorRow; example: ReportExample; nonce: string; who: string }) {
  const fields = new Map((row.report?.fields ?? []).map((f) => [f.path, f.status]));
  const e = example;
  return (
    <Layout title={`Example ${e.method} ${e.path}`} nonce={nonce} who={who} script={COPY_SCRIPT}>
      <p>
        <a href={routeHref(row.route)}>{`← ${row.route}`}</a>
      </p>
      <h1>
        Example: {e.method} <code>{e.path}</code>
      </h1>
      <dl class="figures">
        <Term term="Route and mirror" value={`${row.route} → ${row.mirror}`} />
        <Term term="When" value={utc(e.at)} />
        <Term term="Status v1 / v2" value={`${e.v1Status ?? "–"} / ${e.v2Status ?? "–"}`} />
        <Term term="Request id" value={e.requestId} />
        <Term term="Trace id" value={e.traceId ?? "none"} />
        <Term term="Differing fields kept" value={String(e.differences.length)} />
      </dl>
      <h2 id="curl-heading">The request as curl</h2>
      <pre id="curl" class="curl" aria-labelledby="curl-heading">
        {curlOf(e)}
      </pre>
      <p class="row">
        <button type="button" data-copy="curl" hidden>
          Copy as curl
        </button>
        <span class="muted">
          Built from what the example stores: method, scheme and host, path and Content-Type. The query, the body and every other header (Authorization and Cookie among them) are never stored, so they are not here.
        </span>
      </p>
      <h2>Every differing field, v1 and v2</h2>
      <ExamplePair example={e} status={fields} />
    </Layout>
  );
}

function Term({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
