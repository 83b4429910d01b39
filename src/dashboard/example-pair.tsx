// One example's differing fields side by side — v1 on the left, v2 on the right,
// always (Diffy's UI once swapped them: twitter/diffy#86) — divergent fields first
// and marked, redacted values shown as such: on the route page and the example page.
import { utc } from "./format";
import type { ReportExample } from "./view-model";

const REDACTED = "[redacted]";

/** One request's differing fields: v1's values on the left, v2's on the right. */
export function ExamplePair({ example, status, href }: { example: ReportExample; status: ReadonlyMap<string, string>; href?: string }) {
  // The divergent fields first: they are why the example is here.
  const differences = [...example.differences].sort((a, b) => Number(status.get(b.path) === "divergent") - Number(status.get(a.path) === "divergent"));
  return (
    <article aria-label={`Example ${example.method} ${example.path}`}>
      <p>
        <strong>
          {example.method} {example.path}
        </strong>{" "}
        {href && (
          <>
            <a href={href}>Full view and curl</a>{" "}
          </>
        )}
        <span class="muted">
          {utc(example.at)} · request id <code>{example.requestId}</code>
          {example.traceId ? (
            <>
              {" "}
              · trace id <code>{example.traceId}</code>
            </>
          ) : null}
        </span>
      </p>
      <div class="pair">
        {(["v1", "v2"] as const).map((side) => (
          <section class={side}>
            <h4>{side === "v1" ? "v1 (primary, answered the client)" : "v2 (mirror)"}</h4>
            <dl>
              {differences.map((d) => (
                <>
                  <dt>
                    <FieldPath path={d.path} /> <small>{`${d.kind}, ${status.get(d.path) ?? "not counted"}`}</small>
                  </dt>
                  <dd>
                    <Value text={d[side]} highlight={status.get(d.path) === "divergent"} />
                  </dd>
                </>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </article>
  );
}

/** A field path that may break after its slashes, and nowhere else, on a narrow screen. */
export function FieldPath({ path }: { path: string }) {
  const parts = path.split("/");
  return (
    <code>
      {parts.map((part, i) => (
        <>
          {i > 0 && "/"}
          {part}
          {i > 0 && i < parts.length - 1 && <wbr />}
        </>
      ))}
    </code>
  );
}

function Value({ text, highlight }: { text: string | undefined; highlight: boolean }) {
  if (text === undefined) return <span class="muted">(absent)</span>;
  if (text.includes(REDACTED)) return <span class="redacted">{`${text} (redacted: never leaves the worker)`}</span>;
  return highlight ? <mark>{text}</mark> : <span>{text}</span>;
}
