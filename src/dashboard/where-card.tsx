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
            <th scope="col" class="n">Divergent (95 %)</th>
            <th scope="col" class="n">Shift v2 − v1</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr>
              <th scope="row">{w.value}</th>
              <td class="n">{count(w.compared)}</td>
              <td class="n">{`${percent(w.divergencePercent)} (${percent(w.confidenceInterval.low)}–${percent(w.confidenceInterval.high)})`}</td>
              <td class="n">{shift(w)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "+49 ms (49 – 54)", or "–" with nothing measured. */
function shift({ latencyShiftMs: s }: WhereRow): string {
  if (s.estimate === null) return "–";
  return `${s.estimate > 0 ? "+" : ""}${s.estimate} ms (${s.low} – ${s.high})`;
}
