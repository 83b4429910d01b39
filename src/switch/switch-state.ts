// The pause switch's state and its rules, with no Workers API: what a change may
// say, and how the stored caps become the decision step's inputs (millionths, as
// PlanInputs takes them). The Durable Object (mirror-switch.ts) stores the state;
// each isolate reads it at most every SWITCH_REFRESH_MS (switch-cache.ts).
import { NO_CAP, perMillion } from "../routing/per-million";

/** A change: a global cap when `route` is absent, else one route's; `percentCap: null` removes that cap. */
export interface SwitchChangeRequest {
  /** `<virtualService>/<route>`, as the route table and the logs name routes */
  route?: string;
  percentCap: number | null;
}

/** A change as recorded: who made it (the admin token's name) and when (ms since the epoch). */
export interface SwitchChange extends SwitchChangeRequest {
  at: number;
  who: string;
}

/** What the Durable Object holds. */
export interface SwitchState {
  /** the global cap, in percent; absent = none */
  percentCap?: number;
  /** per-route caps, in percent */
  routes: Record<string, number>;
  /** the latest changes, newest first (at most SWITCH_HISTORY) */
  changes: SwitchChange[];
}

/** The caps as the decision step takes them. */
export interface SwitchCaps {
  /** 1 000 000 = no global cap */
  perMillion: number;
  routes: Record<string, number>;
}

/** How many changes are kept and shown. */
export const SWITCH_HISTORY = 50;

export function switchCaps(state: SwitchState): SwitchCaps {
  const routes: Record<string, number> = {};
  for (const [name, percent] of Object.entries(state.routes)) routes[name] = perMillion(percent);
  return { perMillion: state.percentCap === undefined ? NO_CAP : perMillion(state.percentCap), routes };
}

/** A route name as Route.name spells it: `<virtualService>/<route>`. */
const ROUTE_NAME = /^[^/\s]+\/\S+$/;

/** A percentage as the pause form and API take it: digits, an optional fraction of at most 4 places. */
const PERCENT = /^[0-9]{1,3}(?:\.[0-9]{1,4})?$/;

const PERCENT_RULE = "a number from 0 to 100, written as digits with at most 4 decimal places (0, 5, 12.5)";

/**
 * A cap as written: `12.5` → 12.5; anything else (`%20`, `0x10`, `1e-320`, `-1`,
 * `101`, `5.00001`) is refused with the reason, never read as some other number.
 */
export function parsePercent(text: string): number | { error: string } {
  if (!PERCENT.test(text)) return { error: `"percentCap" must be ${PERCENT_RULE}, or empty to remove the cap; got ${JSON.stringify(text.slice(0, 40))}` };
  const value = Number(text);
  return value <= 100 ? value : { error: `"percentCap" must be ${PERCENT_RULE}; ${text} is over 100` };
}

/**
 * Reads a POST body: `{"percentCap": 0..100}`, `{"route": "vs/route", "percentCap": 0..100}`,
 * or `null` instead of the number to remove the cap. The number is held to the
 * form's rule (parsePercent) as JavaScript writes it, so `1e-7` or `0.00001` are
 * refused. Returns the change, or what is wrong.
 */
export function parseSwitchChange(body: unknown): SwitchChangeRequest | { error: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { error: 'expected a JSON object: {"percentCap": 0..100} or {"route": "<virtualService>/<route>", "percentCap": 0..100 | null}' };
  const { route, percentCap, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { error: `unknown field ${JSON.stringify(unknown[0])}: only "route" and "percentCap"` };
  if (percentCap === undefined) return { error: '"percentCap" is required: a number from 0 to 100, or null to remove the cap' };
  let cap: number | null = null;
  if (percentCap !== null) {
    if (typeof percentCap !== "number") return { error: `"percentCap" must be ${PERCENT_RULE}, or null to remove the cap` };
    const parsed = parsePercent(String(Object.is(percentCap, -0) ? 0 : percentCap));
    if (typeof parsed !== "number") return { error: parsed.error.replace("or empty to remove", "or null to remove") };
    cap = parsed;
  }
  if (route === undefined) return { percentCap: cap };
  if (typeof route !== "string" || route.length > 300 || !ROUTE_NAME.test(route)) return { error: '"route" must be "<virtualService>/<route>", as the report names routes' };
  return { route, percentCap: cap };
}

/** The cap a change leaves in force, for messages: "paused", "capped at 5 %", "cap removed". */
export function describeCap(percentCap: number | null): string {
  if (percentCap === null) return "cap removed";
  return percentCap === 0 ? "paused" : `capped at ${percentCap} %`;
}
