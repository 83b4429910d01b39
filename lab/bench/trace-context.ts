// npx tsx lab/bench/trace-context.ts — what the W3C Trace Context step costs per request,
// in Node (Workers timers do not advance during execution): the figures in docs/traces.md.
// Not part of `npm run bench`.
import { decideTrace, parseTraceparent, shadowBaggage } from "../../src/proxy/trace-context";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const BAGGAGE = Array.from({ length: 10 }, (_, i) => `key${i}=value${i}`).join(",");
const random = () => 0.3;

function time(name: string, n: number, f: () => unknown): void {
  for (let i = 0; i < 10_000; i++) f();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  console.log(`${name}: ${(Number(process.hrtime.bigint() - start) / n).toFixed(0)} ns/call`);
}

time("no traceparent, no trace.percent", 1_000_000, () => decideTrace(null, true, undefined, random));
time("parse a valid traceparent", 1_000_000, () => parseTraceparent(VALID));
time("valid traceparent, mirrored (parse + span id)", 200_000, () => decideTrace(VALID, true, undefined, random));
time("start a trace (trace id + two span ids)", 200_000, () => decideTrace(null, true, 1_000_000, random));
time("shadow baggage, 10 client members", 200_000, () => shadowBaggage(BAGGAGE));
