// Warning when a Percent is finer than Istio can express; the conversion itself is
// the worker's one rule (src/routing/per-million.ts).
import type { Field } from "./field";
import { perMillion, percentOf, PERCENT_STEP } from "../routing/per-million";

/** Warns on `f` (a Percent's value) when `percent` is finer than 0.0001 %, saying what is applied instead. */
export function warnFinerThanStep(f: Field, percent: number): void {
  const applied = perMillion(percent);
  if (percent * 10_000 - applied > 1e-6) {
    f.warn(
      `${percent} % is finer than Istio's precision (${PERCENT_STEP} %, one request in a million): it is applied as ${percentOf(applied)} %, as Istio truncates it`,
      `write it with at most 4 decimals, e.g. value: ${percentOf(applied)}`,
    );
  }
}
