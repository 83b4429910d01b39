// The dashboard's front page: is mirroring on (and the switch to stop it), one row
// per mirror of every mirrored route with its comparison at a glance, and the
// switch's recent changes with who made them.
import { capText, count, ms, percent, statusMix, utc } from "./format";
import { Layout } from "./layout";
import { CapForm, PauseButton, Reasons, VerdictBadge } from "./parts";
import { ADMIN_PREFIX } from "../admin/http";
import { verdictReasons, type DashboardView, type MirrorRow } from "./view-model";
import type { SwitchChange } from "../switch/switch-state";
import { NO_CAP, percentOf } from "../routing/per-million";

export const routeHref = (route: string) => `${ADMIN_PREFIX}route?name=${encodeURIComponent(route)}`;

export function RoutesPage({ view, nonce }: { view: DashboardView; nonce: string }) {
  return (
    <Layout title="Mirroring" nonce={nonce} who={view.who} refresh>
      <h1>Mirroring</h1>
      <p class="muted">
        Figures as of {utc(view.generatedAt)}; the page refreshes itself every 15 s.
      </p>
      <SwitchPanel view={view} />
      <h2 id="routes-heading">Routes</h2>
      {view.rows.length === 0 ? (
        <p>No route of routes.yaml mirrors anything.</p>
      ) : (
        <div class="scroll" role="region" aria-labelledby="routes-heading" tabindex={0}>
          <table class="routes">
            <caption class="muted">One row per mirror of each route. Divergence: divergent ÷ compared requests, and its 95 % confidence interval.</caption>
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">v1 → mirror</th>
                <th scope="col" class="n">In force</th>
                <th scope="col" class="n">Mirrored / compared</th>
                <th scope="col" class="n">Divergence (95 %)</th>
                <th scope="col">Verdict</th>
                <th scope="col" class="n">p50 / p99</th>
                <th scope="col">Status mix</th>
                <th scope="col">Shadow errors and skips</th>
                <th scope="col">Switch</th>
              </tr>
            </thead>
            <tbody>
              {view.rows.map((row) => (
                <RouteRow row={row} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Captures view={view} />
      <History changes={view.switch.changes} />
    </Layout>
  );
}

function SwitchPanel({ view }: { view: DashboardView }) {
  const global = view.switch.percentCap;
  const paused = global === 0;
  const routeCaps = Object.keys(view.switch.routes).length;
  return (
    <section class="panel" aria-labelledby="switch-heading">
      <h2 id="switch-heading">Pause switch</h2>
      <p class="row">
        <span>
          Mirroring network-wide:{" "}
          <span class={`badge ${paused ? "off" : global === undefined || global >= 100 ? "on" : "capped"}`}>{paused ? "paused" : global === undefined || global >= 100 ? "on" : `capped at ${global} %`}</span>
        </span>
        <PauseButton paused={paused || (global !== undefined && global < 100)} back={ADMIN_PREFIX} label />
      </p>
      <CapForm current={global} back={ADMIN_PREFIX} id="global-cap" />
      <p class="muted">
        {routeCaps > 0 ? `${routeCaps} route(s) have their own cap (see the table). ` : ""}
        MIRROR_PERCENT_CAP: {view.varCap.invalid ? view.varCap.invalid : view.varCap.perMillion >= NO_CAP ? "not set" : `${percentOf(view.varCap.perMillion)} %`}. The lower cap wins; every isolate applies a change within 5 s, without a deploy.
      </p>
    </section>
  );
}

/** A pair of figures, v1 over v2, each labelled (the cell stays readable when it wraps). */
function Sides({ v1, v2 }: { v1: string; v2: string }) {
  return (
    <>
      <span class="side">v1 {v1}</span>
      <span class="side">v2 {v2}</span>
    </>
  );
}

function RouteRow({ row }: { row: MirrorRow }) {
  const r = row.report;
  const capped = row.inForcePercent < row.configuredPercent;
  return (
    <tr>
      <th scope="row">
        <a href={routeHref(row.route)}>{row.route}</a>
      </th>
      <td data-label="v1 → mirror">
        {row.destinations.map((d) => (
          <span class="side">{row.destinations.length > 1 ? `${d.name} ${d.percent} %` : d.name}</span>
        ))}
        <span class="side">→ {row.mirror}</span>
      </td>
      <td data-label="Mirror % in force" class="n">
        {percent(row.inForcePercent)}
        {capped && <small class="side">{`of ${percent(row.configuredPercent)}`}</small>}
      </td>
      <td data-label="Mirrored / compared" class="n">{r ? `${count(r.mirrored)} / ${count(r.compared)}` : "–"}</td>
      <td data-label="Divergence (95 %)" class="n">
        {r ? percent(r.divergencePercent) : "–"}
        {r && r.compared > 0 && <small class="side">{`${percent(r.confidenceInterval.low)}–${percent(r.confidenceInterval.high)}`}</small>}
      </td>
      <td data-label="Verdict">
        <VerdictBadge verdict={r?.verdict} />
        {r && verdictReasons(r).map((reason) => <small class="side reason">{reason}</small>)}
      </td>
      <td data-label="p50 / p99" class="n">{r ? <Sides v1={`${ms(r.latencyMs.v1.p50)} / ${ms(r.latencyMs.v1.p99)}`} v2={`${ms(r.latencyMs.v2.p50)} / ${ms(r.latencyMs.v2.p99)}`} /> : "–"}</td>
      <td data-label="Status mix">{r ? <Sides v1={statusMix(r.statuses.v1)} v2={statusMix(r.statuses.v2)} /> : "–"}</td>
      <td data-label="Shadow errors and skips">{r ? <Reasons errors={r.shadowErrors} skipped={r.skipped} /> : "–"}</td>
      <td data-label="Switch">
        <PauseButton route={row.route} paused={row.routeCap !== undefined && row.routeCap < 100} back={ADMIN_PREFIX} />
        {row.routeCap !== undefined && <small class="side">{capText(row.routeCap)}</small>}
      </td>
    </tr>
  );
}

/** MirrorPolicy capture: what each captured route recorded to R2, and what it dropped (docs/capture.md). */
export function Captures({ view, route }: { view: DashboardView; route?: string }) {
  const rows = (view.captures ?? []).filter((c) => route === undefined || c.route === route);
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="captures-heading">
      <h2 id="captures-heading">Captures</h2>
      <div class="scroll" role="region" aria-labelledby="captures-heading" tabindex={0}>
        <table>
          <caption class="muted">Exchanges recorded to R2 for replay (GET {ADMIN_PREFIX}api/captures?route=…). Sampled out is not a drop.</caption>
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col" class="n">Capture %</th>
              <th scope="col" class="n">Captured</th>
              <th scope="col">Dropped</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr>
                <th scope="row">{c.route}</th>
                <td data-label="Capture %" class="n">{percent(c.percent)}</td>
                <td data-label="Captured" class="n">{c.counts ? count(c.counts.captured) : "–"}</td>
                <td data-label="Dropped">{c.counts ? dropped(c.counts.dropped) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function dropped(d: Record<string, number>): string {
  const parts = Object.entries(d).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${count(n)}`);
  return parts.length ? parts.join(", ") : "none";
}

function History({ changes }: { changes: readonly SwitchChange[] }) {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Pause switch: recent changes</h2>
      {changes.length === 0 ? (
        <p class="muted">No change yet: every mirror runs at routes.yaml's percentage (and MIRROR_PERCENT_CAP, if set).</p>
      ) : (
        <div class="scroll" role="region" aria-labelledby="history-heading" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr>
                  <td>{utc(c.at)}</td>
                  <td>{c.who}</td>
                  <td>{c.route ?? "every route"}</td>
                  <td>{c.percentCap === null ? "cap removed" : capText(c.percentCap)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
