// Gateway API durations (GEP-2257, the Duration type of apis/v1/shared_types.go): a
// strict subset of Go's, `^([0-9]{1,5}(h|m|s|ms)){1,4}$` — `10s`, `1h30m`, `500ms`.
// "0s" means "no timeout" where the spec says so; callers decide.
import type { Field } from "../field";
import { parseDuration } from "../duration";

export const GEP_2257 = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

export function readGatewayDuration(f: Field): number | undefined {
  const text = f.string();
  if (text === undefined) return undefined;
  const ms = GEP_2257.test(text) ? parseDuration(text) : undefined;
  if (ms === undefined) f.error(`"${text}" is not a Gateway API duration`, "write it like 10s, 500ms or 1h30m (whole numbers of h, m, s, ms)");
  return ms;
}
