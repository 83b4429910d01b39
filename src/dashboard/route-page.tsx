// One route's page: for each of its mirrors, the figures (the paired latency shift
// among them), divergence over time, the
// latency of v1 and v2 on one chart, the field tree (which paths differ, how, and
// whether they are noise), and example pairs side by side — v1 on the left, v2 on
// the right, always (Diffy's UI once swapped them: twitter/diffy#86) — with the
// divergent fields marked and redacted values shown as such.
import { LatencyChart } from "./charts";
import { capText, count, ms, percent, statusMix, utc } from "./format";
import { Layout } from "./layout";
import { EndpointsTable } from "./endpoints-table";
import { CapForm, PauseButton, Reasons, VerdictBadge } from "./parts";
import { Captures, routeHref } from "./routes-page";
import { WhereCard } from "./where-card";
import { ADMIN_PREFIX } from "../admin/http";
import type { DashboardView, MirrorRow, ReportRoute } from "./view-model";
import { ExamplePair, FieldPath } from "./example-pair";
import { exampleHref } from "./example-page";
import { History, RangePicker, type Range } from "./history";
import { resetHref } from "./reset-page";

export function RoutePage({ view, route, nonce, range = "hour" }: { view: DashboardView; route: string; nonce: string; range?: Range }) {
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
      <RangePicker href={(r) => `${back}&range=${r}`} range={range} />
      <section class="panel" aria-labelledby="route-switch">
        <h2 id="route-switch">Pause switch for this route</h2>
        <p class="row">
          <span>This route: {capText(routeCap)}</span>
          <PauseButton route={route} paused={routeCap !== undefined && routeCap < 100} back={back} />
        </p>
        <CapForm route={route} current={routeCap} back={back} id="route-cap" />
        {rows.some((r) => r.report) && (
          <p class="row">
            <a class="button" href={resetHref(route)}>
              Reset counts
            </a>
            <span class="muted">forgets this route's comparison counts (asks first)</span>
          </p>
        )}
      </section>
      {rows.map((row) => (
        <MirrorSection row={row} range={range} now={view.generatedAt} />
      ))}
      <Captures view={view} route={route} />
    </Layout>
  );
}

function MirrorSection({ row, range, now }: { row: MirrorRow; range: Range; now: number }) {
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
        <Comparison r={r} anchor={id} row={row} range={range} now={now} />
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

function Comparison({ r, anchor, row, range, now }: { r: ReportRoute; anchor: string; row: MirrorRow; range: Range; now: number }) {
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
      <h3>History</h3>
      <History r={r} range={range} now={now}>
        <figure>
          <figcaption>Latency of v1 and v2 since the counts began (share of compared requests per bucket)</figcaption>
          <LatencyChart buckets={r.latencyHistogram} latencyMs={r.latencyMs} />
        </figure>
      </History>
      <WhereCard r={r} anchor={anchor} />
      <EndpointsTable r={r} anchor={anchor} />
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
      {r.examples.length === 0 ? (
        <p class="muted">No example kept yet.</p>
      ) : (
        r.examples.map((e) => <ExamplePair example={e} status={status} href={exampleHref(row.route, row.mirror, e)} />)
      )}
    </>
  );
}
