// The route page's per-endpoint table (issue 21 item 2): each endpoint (method and
// path template) with its compared requests, divergence and interval, latency shift
// and verdict, failing first as the report orders them. Any failing endpoint fails
// the route, so the row that decided it is the first one. Compact on purpose: the
// report (GET /__edge-mirror/api/report) has each endpoint's fields.
import { count, percent } from "./format";
import { VerdictBadge } from "./parts";
import type { ReportRoute } from "./view-model";

export function EndpointsTable({ r, anchor }: { r: ReportRoute; anchor: string }) {
  // A report from a worker older than endpoints has none.
  const endpoints = r.endpoints ?? [];
  if (endpoints.length === 0) return null;
  const id = `${anchor}-endpoints`;
  return (
    <>
      <h3 id={id}>Endpoints</h3>
      <div class="scroll" role="region" aria-labelledby={id} tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col" class="n">Compared</th>
              <th scope="col" class="n">Divergent</th>
              <th scope="col" class="n">Shift</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => (
              <tr>
                <th scope="row">
                  <code>{e.endpoint}</code>
                </th>
                <td class="n">{count(e.compared)}</td>
                <td class="n">
                  {percent(e.divergencePercent)}
                  <br />
                  <small class="muted">{`${tenth(e.confidenceInterval.low)}–${tenth(e.confidenceInterval.high)}`}</small>
                </td>
                <td class="n">{e.latencyShiftMs.estimate === null ? "–" : `${e.latencyShiftMs.estimate > 0 ? "+" : ""}${e.latencyShiftMs.estimate} ms`}</td>
                <td>
                  <VerdictBadge verdict={e.verdict} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">Divergent: with its 95 % interval (percent). Shift: v2 − v1 per request (Hodges–Lehmann). Any failing endpoint fails the route; one with fewer than {count(r.gate.minCompared)} compared requests cannot hold a pass back.</p>
    </>
  );
}

function tenth(x: number): number {
  return Math.round(x * 10) / 10;
}
