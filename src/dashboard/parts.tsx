// Small pieces both pages use: the verdict badge, counts by reason, and the pause
// switch's forms (plain HTML POSTs; the handler checks the session and the Origin).
import { capText, count, entries } from "./format";
import { ADMIN_PREFIX } from "../admin/http";

export const MIRRORING_FORM = `${ADMIN_PREFIX}mirroring`;

export function VerdictBadge({ verdict }: { verdict: "pass" | "fail" | "inconclusive" | undefined }) {
  if (verdict === undefined) return <span class="muted">not compared</span>;
  return <span class={`badge ${verdict}`}>{verdict}</span>;
}

/** One line per reason (`connect_failed 2`), or "none". */
export function Reasons({ errors, skipped }: { errors?: Record<string, number>; skipped?: Record<string, number> }) {
  const list = [...entries(errors).map(([r, n]) => ["error", r, n] as const), ...entries(skipped).map(([r, n]) => ["skipped", r, n] as const)];
  if (list.length === 0) return <span class="muted">none</span>;
  return (
    <>
      {list.map(([what, reason, n]) => (
        <span class="side">
          {reason} {count(n)} <small>{what}</small>
        </span>
      ))}
    </>
  );
}

/** Pause (cap 0) or resume (remove the cap) one route, or everything when `route` is absent. */
export function PauseButton({ route, paused, back, label = false }: { route?: string; paused: boolean; back: string; label?: boolean }) {
  const what = route === undefined ? "all mirroring" : `mirroring of ${route}`;
  return (
    <form method="post" action={MIRRORING_FORM} class="inline">
      {route !== undefined && <input type="hidden" name="route" value={route} />}
      <input type="hidden" name="percentCap" value={paused ? "" : "0"} />
      <input type="hidden" name="back" value={back} />
      {paused ? (
        <button type="submit" aria-label={label ? undefined : `Resume ${what}`}>
          {label ? `Resume ${what}` : "Resume"}
        </button>
      ) : (
        <button type="submit" class="stop" aria-label={label ? undefined : `Pause ${what}`}>
          {label ? `Pause ${what}` : "Pause"}
        </button>
      )}
    </form>
  );
}

/** A cap other than 0 or 100: "cap every mirror (or this route's) at N %". */
export function CapForm({ route, current, back, id }: { route?: string; current: number | undefined; back: string; id: string }) {
  return (
    <form method="post" action={MIRRORING_FORM} class="row">
      {route !== undefined && <input type="hidden" name="route" value={route} />}
      <input type="hidden" name="back" value={back} />
      <label for={id}>{route === undefined ? "Cap every mirror at" : "Cap this route's mirrors at"}</label>
      <span>
        <input id={id} name="percentCap" type="number" min="0" max="100" step="0.0001" required value={current === undefined ? "" : String(current)} /> %
      </span>
      <button type="submit">Set cap</button>
      <span class="muted">now: {capText(current)}</span>
    </form>
  );
}
