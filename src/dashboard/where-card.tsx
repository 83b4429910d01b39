// The route page's "Where" card (issue 21 item 3): three small tables, the top 10
// colos, countries and HTTP protocols by compared requests (request.cf: `unknown`
// when the request had none; `other` for values folded past the 50 kept or no edge
// would send), each with its divergence, 95 % interval and paired latency shift
// (src/compare/where-report.ts).
import { count, percent } from "./format";
import type { ReportRoute } from "./view-model";
import type { WhereRow } from "../compare/where-report";

const TITLES = { colo: "Colo", country: "Country", protocol: "Protocol" } as const;
const CAPTIONS = { colo: "By Cloudflare colo", country: "By country", protocol: "By HTTP protocol" } as const;

export function WhereCard({ r, anchor }: { r: ReportRoute; anchor: string }) {
  // A report from a worker older than the split has none.
  const where = r.where;
  const id = `${anchor}-where`;
  return (
    <section class="where" aria-labelledby={id}>
      <h3 id={id}>Where</h3>
      <p class="muted">Top 10 by compared requests: divergence with its 95 % interval (percent), and the paired shift v2 − v1 with its 95 % interval (ms).</p>
      {!where || where.colo.length === 0 ? (
        <p class="muted">Nothing compared yet by colo, country or protocol.</p>
      ) : (
        <div class="charts">
          {(["colo", "country", "protocol"] as const).map((d) => (
            <WhereTable title={TITLES[d]} caption={CAPTIONS[d]} rows={where[d]} id={`${id}-${d}`} />
          ))}
        </div>
      )}
    </section>
  );
}

function WhereTable({ title, caption, rows, id }: { title: string; caption: string; rows: WhereRow[]; id: string }) {
  return (
    <div class="scroll" role="region" aria-labelledby={id} tabindex={0}>
      <table>
        <caption id={id}>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{title}</th>
            <th scope="col" class="n">Compared</th>
            <th scope="col" class="n">Divergent</th>
            <th scope="col" class="n">Shift</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr>
              <th scope="row">{w.value}</th>
              <td class="n">{count(w.compared)}</td>
              <td class="n">
                {percent(w.divergencePercent)}
                <br />
                <small class="muted">{`${round(w.confidenceInterval.low)}–${round(w.confidenceInterval.high)}`}</small>
              </td>
              <Shift s={w.latencyShiftMs} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "+49 ms" over its interval "45 – 54", or "–" with nothing measured. */
function Shift({ s }: { s: WhereRow["latencyShiftMs"] }) {
  if (s.estimate === null) return <td class="n">–</td>;
  return (
    <td class="n">
      {`${s.estimate > 0 ? "+" : ""}${s.estimate} ms`}
      <br />
      <small class="muted">{`${s.low} – ${s.high}`}</small>
    </td>
  );
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
