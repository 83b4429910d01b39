// One route's page: for each of its mirrors, the figures (the paired latency shift
// among them), divergence over time, the
// latency of v1 and v2 on one chart, the field tree (which paths differ, how, and
// whether they are noise), and example pairs side by side — v1 on the left, v2 on
// the right, always (Diffy's UI once swapped them: twitter/diffy#86) — with the
// divergent fields marked and redacted values shown as such.
import { DivergenceChart, LatencyChart } from "./charts";
import { capText, count, ms, percent, statusMix, utc } from "./format";
import { Layout } from "./layout";
import { CapForm, PauseButton, Reasons, VerdictBadge } from "./parts";
import { Captures, routeHref } from "./routes-page";
import { WhereCard } from "./where-card";
import { ADMIN_PREFIX } from "../admin/http";
import type { DashboardView, MirrorRow, ReportExample, ReportRoute } from "./view-model";

const REDACTED = "[redacted]";

export function RoutePage({ view, route, nonce }: { view: DashboardView; route: string; nonce: string }) {
  const rows = view.rows.filter((r) => r.route === route);
  const back = routeHref(route);
  const routeCap = rows[0]?.routeCap;
  return (
    <Layout title={route} nonce={nonce} who={view.who} refresh>
      <p>
        <a href={ADMIN_PREFIX}>← All routes</a>
      </p>
      <h1>{route}</h1>
      <p class="muted">Figures as of {utc(view.generatedAt)}.</p>
      <section class="panel" aria-labelledby="route-switch">
        <h2 id="route-switch">Pause switch for this route</h2>
        <p class="row">
          <span>This route: {capText(routeCap)}</span>
          <PauseButton route={route} paused={routeCap !== undefined && routeCap < 100} back={back} />
        </p>
        <CapForm route={route} current={routeCap} back={back} id="route-cap" />
      </section>
      {rows.map((row) => (
        <MirrorSection row={row} />
      ))}
      <Captures view={view} route={route} />
    </Layout>
  );
}

function MirrorSection({ row }: { row: MirrorRow }) {
  const r = row.report;
  const id = `m-${row.mirror.replace(/[^A-Za-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>
        Mirror {row.mirror} <VerdictBadge verdict={r?.verdict} />
      </h2>
      <dl class="figures">
        <Figure term="v1 destination" value={row.destinations.map((d) => d.name).join(", ")} />
        <Figure term="Mirrored % in force" value={`${percent(row.inForcePercent)} (routes.yaml ${percent(row.configuredPercent)})`} />
        {r && <Figure term="Mirrored" value={count(r.mirrored)} />}
        {r && <Figure term="Compared" value={count(r.compared)} />}
        {r && <Figure term="Divergent" value={`${count(r.divergent)}: ${percent(r.divergencePercent)} (95 %: ${percent(r.confidenceInterval.low)}–${percent(r.confidenceInterval.high)})`} />}
        {r && <Figure term="p50 v1 / v2" value={`${ms(r.latencyMs.v1.p50)} / ${ms(r.latencyMs.v2.p50)}`} />}
        {r && <Figure term="p99 v1 / v2" value={`${ms(r.latencyMs.v1.p99)} / ${ms(r.latencyMs.v2.p99)}`} />}
        {r && <Figure term="Latency shift v2 − v1" value={shiftText(r)} />}
        {r && <Figure term="Status mix v1" value={statusMix(r.statuses.v1)} />}
        {r && <Figure term="Status mix v2" value={statusMix(r.statuses.v2)} />}
      </dl>
      {!r ? (
        <p>This mirror's answers are not compared: add a <code>compare</code> block to a MirrorPolicy for the route to see divergence here.</p>
      ) : (
        <Comparison r={r} anchor={id} />
      )}
    </section>
  );
}

/** The paired shift as a person reads it: "+50 ms (95 %: 49 – 51 ms, 300 requests; limit 20 ms)". */
function shiftText(r: ReportRoute): string {
  // A report from a worker older than the shift has none.
  const s = r.latencyShiftMs;
  if (!s || s.estimate === null) return "–";
  const limit = r.gate.maxLatencyShiftMs === undefined ? "" : `; limit ${r.gate.maxLatencyShiftMs} ms`;
  return `${s.estimate > 0 ? "+" : ""}${s.estimate} ms (95 %: ${s.low} – ${s.high} ms, ${count(s.n)} requests${limit})`;
}

function Figure({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function Comparison({ r, anchor }: { r: ReportRoute; anchor: string }) {
  const status = new Map(r.fields.map((f) => [f.path, f.status]));
  return (
    <>
      {r.flags.map((f) => (
        <p role="status" class="status-divergent">
          {f.detail}
        </p>
      ))}
      <p>
        Shadow errors and skips: <Reasons errors={r.shadowErrors} skipped={r.skipped} />
      </p>
      <div class="charts">
        <figure>
          <figcaption>Divergence over time (the dashed line is the gate)</figcaption>
          <DivergenceChart timeline={r.timeline} gatePercent={r.gate.maxDivergencePercent} />
        </figure>
        <figure>
          <figcaption>Latency of v1 and v2 (share of compared requests per bucket)</figcaption>
          <LatencyChart buckets={r.latencyHistogram} latencyMs={r.latencyMs} />
        </figure>
      </div>
      <WhereCard r={r} anchor={anchor} />
      <h3 id={`${anchor}-fields`}>Fields</h3>
      {r.fields.length === 0 ? (
        <p class="muted">No field has differed.</p>
      ) : (
        <div class="scroll" role="region" aria-labelledby={`${anchor}-fields`} tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Kind</th>
                <th scope="col" class="n">Divergent</th>
                <th scope="col" class="n">Noise</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {r.fields.map((f) => (
                <tr>
                  <th scope="row">
                    <FieldPath path={f.path} />
                  </th>
                  <td>{f.kind}</td>
                  <td class="n">{count(f.divergent)}</td>
                  <td class="n">{count(f.noise)}</td>
                  <td class={`status-${f.status}`}>{f.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Examples</h3>
      {r.examples.length === 0 ? <p class="muted">No example kept yet.</p> : r.examples.map((e) => <ExamplePair example={e} status={status} />)}
    </>
  );
}

/** One request's differing fields: v1's values on the left, v2's on the right. */
function ExamplePair({ example, status }: { example: ReportExample; status: ReadonlyMap<string, string> }) {
  // The divergent fields first: they are why the example is here.
  const differences = [...example.differences].sort((a, b) => Number(status.get(b.path) === "divergent") - Number(status.get(a.path) === "divergent"));
  return (
    <article aria-label={`Example ${example.method} ${example.path}`}>
      <p>
        <strong>
          {example.method} {example.path}
        </strong>{" "}
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
function FieldPath({ path }: { path: string }) {
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
