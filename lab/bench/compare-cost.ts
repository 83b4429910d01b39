// npx tsx lab/bench/compare-cost.ts — what one comparison costs in CPU, by answer
// size and shape, in Node: the rates src/compare/work-budget.ts's bounds come from
// (JSON.parse per byte, hashing and walking per node). Not part of `npm run bench`.
import { compareAnswers } from "../../src/compare/compare-answers";
import { lift } from "../../src/compare/lift";
import { WorkMeter } from "../../src/compare/work-budget";

const enc = new TextEncoder();
const keyed = (n: number, salt: number) => {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = (i * 7 + salt) % 1000;
  return JSON.stringify(o);
};
const items = (bytes: number, salt: number) => {
  const out: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const x = JSON.stringify({ id: i, sku: `sku-${i}`, price: ((i + salt) % 997) / 10, tags: ["a", "b"] });
    size += x.length + 1;
    out.push(x);
  }
  return `{"items":[${out.join(",")}]}`;
};
const dense = (n: number, salt: number) => JSON.stringify(Array.from({ length: n }, (_, i) => (i + salt) % 2));
const nodes = (v: unknown): number => (v === null || typeof v !== "object" ? 1 : Object.values(v as object).reduce((n: number, c) => n + nodes(c), 1));

const cases: [string, string, string][] = [
  ["1 MiB, one object of 100,000 keys, every value differs", keyed(100_000, 0), keyed(100_000, 1)],
  ["256 KiB, one object of 25,000 keys, every value differs", keyed(25_000, 0), keyed(25_000, 1)],
  ["1 MiB array of records, every price differs", items(1 << 20, 0), items(1 << 20, 1)],
  ["256 KiB array of records, every price differs", items(256 << 10, 0), items(256 << 10, 1)],
  ["64 KiB array of records, every price differs", items(64 << 10, 0), items(64 << 10, 1)],
  ["16 KiB array of records, every price differs", items(16 << 10, 0), items(16 << 10, 1)],
  ["128 KiB array of 0/1, every element differs", dense(64 << 10, 0), dense(64 << 10, 1)],
];
const settings = { headers: ["content-type"], ignore: [], redact: [] };
const headers = { "content-type": "application/json" };
const unbounded = () => new WorkMeter(Number.MAX_SAFE_INTEGER);
for (const [name, a, b] of cases) {
  const v1 = { status: 200, headers, body: enc.encode(a) };
  const v2 = { status: 200, headers, body: enc.encode(b) };
  const n = nodes(JSON.parse(a)) + nodes(JSON.parse(b));
  for (let w = 0; w < 3; w++) compareAnswers(v1, v2, undefined, settings, unbounded());
  const rounds = 10;
  let parse = 0;
  let whole = 0;
  let bounded = 0;
  let estimate = 0;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    lift(v1, settings.headers);
    lift(v2, settings.headers);
    parse += performance.now() - t;
    t = performance.now();
    const meter = unbounded();
    compareAnswers(v1, v2, undefined, settings, meter);
    whole += performance.now() - t;
    estimate = meter.spentNs / 1e6;
    t = performance.now();
    compareAnswers(v1, v2, undefined, settings, new WorkMeter());
    bounded += performance.now() - t;
  }
  const bytes = v1.body.length + v2.body.length;
  console.log(
    `${name}: ${bytes} bytes, ${n} nodes; parse ${(parse / rounds).toFixed(1)} ms (${((parse / rounds) * 1e6 / bytes).toFixed(1)} ns/byte); ` +
      `whole comparison ${(whole / rounds).toFixed(1)} ms (walk ${((((whole - parse) / rounds) * 1e6) / n).toFixed(0)} ns/node); ` +
      `estimated ${estimate.toFixed(1)} ms; within the budget ${(bounded / rounds).toFixed(2)} ms`,
  );
}
