// A fresh isolate plans its first requests before it has read the pause switch
// (src/switch/switch-cache.ts). Their shadows, already in ctx.waitUntil, wait for
// that first read here and are dropped when it caps the request out: the client is
// never delayed, and a paused route is not mirrored even by a new isolate.
import { capFor, type ForwardedPlan } from "../routing/plan";
import { lowerCap } from "../routing/per-million";
import type { SwitchCaps } from "../switch/switch-state";
import { releaseCopy, sendShadows, type ShadowRequest, type ShadowSettled, type ShadowTarget } from "./shadow";

export async function shadowsAfterSwitch(
  pending: Promise<SwitchCaps>,
  plan: ForwardedPlan,
  varCapPerMillion: number,
  request: ShadowRequest,
  targets: ShadowTarget[],
  settled: ShadowSettled,
): Promise<void> {
  const caps = await pending;
  const global = lowerCap(varCapPerMillion, caps.perMillion);
  const cap = capFor(plan.route, { capPerMillion: global, routeCaps: caps.routes });
  // Every mirror of the request shares one draw (Envoy's), so one cap decides them all.
  if (plan.draw === undefined || plan.draw.draw < cap) return sendShadows(request, targets, settled);
  releaseCopy(request.body);
  for (const target of targets) {
    settled({ destination: target.destination, skipped: "kill_switch", durationMs: 0 });
  }
}
