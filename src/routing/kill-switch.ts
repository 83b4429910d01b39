// The operator's kill switch: the MIRROR_PERCENT_CAP variable caps every mirror's
// percentage without touching routes.yaml (0 stops mirroring). Changing a var
// deploys a new version of the worker, which takes effect within seconds; with
// keep_vars = true (wrangler.toml) a later `wrangler deploy` leaves it as it is.
import { NO_CAP, perMillion } from "./per-million";

export interface MirrorCap {
  /** cap in millionths (1 000 000 = no cap) */
  perMillion: number;
  /** set when the variable could not be read: mirroring is then stopped (fail safe) */
  invalid?: string;
}

const UNCAPPED: MirrorCap = { perMillion: NO_CAP };
let cached: { raw: string; cap: MirrorCap } | undefined;

/** Reads the variable's text; an unreadable value stops mirroring rather than ignoring the operator. */
export function mirrorCap(raw: string | undefined): MirrorCap {
  if (raw === undefined || raw.trim() === "") return UNCAPPED;
  if (cached?.raw === raw) return cached.cap;
  const value = Number(raw);
  const cap: MirrorCap =
    Number.isFinite(value) && value >= 0 && value <= 100
      ? { perMillion: perMillion(value) }
      : { perMillion: 0, invalid: `MIRROR_PERCENT_CAP=${JSON.stringify(raw)} is not a number from 0 to 100; mirroring is stopped` };
  cached = { raw, cap };
  return cap;
}
