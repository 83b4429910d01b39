// The soak's report (lab/soak/RESULTS.md): a judged run written as Markdown. Only
// formatting here; every figure and verdict comes from run.ts and evaluate.ts.
import os from "node:os";
import type { SoakEvaluation } from "./evaluate";
import { fmtBytes, fmtCounts, mib, ms } from "./format";
import { MiB } from "./mix";
import type { SoakRun } from "./run";

export function report(run: SoakRun, ev: SoakEvaluation, finishedAt = Date.now()): string {
  const { config, cap, load, memReqs, memRounds, rss } = run;
  const { figures: f, causes } = ev;
  const baseline = rss.baselineKiB ?? 0;
  const out: string[] = [];
  const para = (text: string) => out.push(text, "");

  out.push("# edge-mirror soak: load with integrity", "");
  para(
    `Written by \`npm run soak\` (lab/soak/soak.ts) on ${new Date(finishedAt).toISOString().slice(0, 16).replace("T", " ")} UTC; do not edit by hand. ` +
      `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model?.trim() ?? "?"}; load average ${run.loadAvgAtStart} at start, other processes share them), ` +
      `Node ${process.version}, workerd ${run.workerdVersion} (compat date ${run.compatibilityDate}).`,
  );
  para(
    `**Setup:** the worker (src/app.ts with the seed's VirtualService, \`mirror\` to v2 and no \`mirrorPercentage\` = 100 %) bundled by esbuild and served by \`workerd serve\`; ` +
      `v1 and v2 are devkit/origin.ts recording origins on loopback. Load from Node (keep-alive agent), ${config.concurrency} requests in flight, ` +
      `seed ${config.seed} (\`SOAK_SEED=${config.seed}\` replays the mix). Shadow body cap ${fmtBytes(cap)}.`,
  );

  out.push("## Figures", "");
  out.push("| | mixed load | + memory phase | total |");
  out.push("|---|---:|---:|---:|");
  const row = (name: string, a: string | number, b: string | number, c: string | number) => out.push(`| ${name} | ${a} | ${b} | ${c} |`);
  row("requests", load.length, memReqs.length, load.length + memReqs.length);
  row("failures (client did not get v1's exact answer)", f.load.failures, f.mem.failures, f.all.failures);
  row("failure causes", fmtCounts(causes.load), fmtCounts(causes.mem), fmtCounts(causes.all));
  row("shadows expected (body ≤ cap)", f.load.shadowsExpected, f.mem.shadowsExpected, f.all.shadowsExpected);
  row("shadows arrived at v2", f.load.shadowsArrived, f.mem.shadowsArrived, f.all.shadowsArrived);
  row("shadows skipped, by logged reason", fmtCounts(f.load.skipped), fmtCounts(f.mem.skipped), fmtCounts(f.all.skipped));
  row("shadow errors, by logged reason", fmtCounts(f.load.shadowErrors), fmtCounts(f.mem.shadowErrors), fmtCounts(f.all.shadowErrors));
  row("shadows missing with no logged reason", f.load.missingUnexplained, f.mem.missingUnexplained, f.all.missingUnexplained);
  row("integrity mismatches at v2 (method, URL, SHA-256)", f.load.integrityMismatches, f.mem.integrityMismatches, f.all.integrityMismatches);
  row("duplicate shadows", f.load.duplicates, f.mem.duplicates, f.all.duplicates);
  out.push("");
  const { loadSeconds, loadBytes, loadCpuSeconds } = run;
  para(
    `**Mixed load:** ${load.length} requests in ${loadSeconds.toFixed(1)} s = **${(load.length / loadSeconds).toFixed(0)} req/s**, ` +
      `${(loadBytes / MiB).toFixed(0)} MiB uploaded (${(loadBytes / MiB / loadSeconds).toFixed(0)} MiB/s); latency (client, whole exchange) ` +
      `**p50 ${ms(ev.loadStats.p50)}, p99 ${ms(ev.loadStats.p99)}**, max ${ms(ev.loadStats.max)}. Shadows drained ${(run.drainMs / 1000).toFixed(1)} s after the last answer. ` +
      `workerd used ${loadCpuSeconds.toFixed(1)} s of CPU (${((loadCpuSeconds * 1000) / load.length).toFixed(1)} ms per request, ${((loadCpuSeconds * 1000) / (loadBytes / MiB)).toFixed(1)} ms per MiB uploaded).`,
  );
  para(
    `**workerd RSS:** baseline ${mib(rss.baselineKiB)} (after start-up) → peak ${mib(rss.loadPeakKiB)} during the mixed load → ${mib(rss.afterLoadKiB)} after it drained; ` +
      `overall peak ${mib(rss.overallPeakKiB)}; final ${mib(rss.finalKiB)} (after the memory phase drained).`,
  );

  out.push("### Mix", "");
  out.push("| kind | requests | methods | body | chunked | failures | shadows expected | arrived | skipped | p50 | p99 |");
  out.push("|---|---:|---|---|---:|---:|---:|---:|---|---:|---:|");
  for (const k of ev.kinds) {
    out.push(`| ${k.kind} | ${k.requests} | ${k.methods} | ${k.sizes} | ${k.chunked} | ${k.failures} | ${k.expected} | ${k.arrived} | ${k.skipped} | ${ms(k.p50)} | ${ms(k.p99)} |`);
  }
  out.push("");

  out.push("### Memory: concurrent uploads at and over the cap", "");
  para(`Each round sends ${config.concurrency} uploads at once and waits until their shadows have landed. workerd's VmRSS is sampled every ${config.sampleMs} ms (from a separate thread).`);
  out.push("| round | uploads | time | workerd CPU / upload | RSS peak | RSS after | failures |");
  out.push("|---:|---|---:|---:|---:|---:|---:|");
  for (const m of memRounds) out.push(`| ${m.round} | ${m.label} | ${m.seconds.toFixed(1)} s | ${m.cpuMsPerRequest.toFixed(1)} ms | ${mib(m.peakKiB)} | ${mib(m.afterKiB)} | ${m.failures} |`);
  out.push("");
  para(
    ev.memViolations.length
      ? `**Memory grows:** ${ev.memViolations.join("; ")}.`
      : `No growth round over round (criterion: the later half of the at-cap rounds peaks within 10 % + 16 MiB of the first half, the over-cap rounds likewise, and RSS after a round does not rise every round).`,
  );
  if (memRounds.length) {
    const peak = ev.memPhasePeakKiB;
    para(
      `Peak of the memory phase ${mib(peak)} = baseline + ${mib(peak - baseline)} for ${config.concurrency} uploads in flight ` +
        `(${((peak - baseline) / 1024 / config.concurrency).toFixed(1)} MiB per upload, cap ${fmtBytes(cap)}; ` +
        `${peak > ev.memBoundKiB ? "**above**" : "within"} baseline + 4 × concurrency × cap + 64 MiB = ${mib(ev.memBoundKiB)}, a rough yardstick, not a check: RSS includes V8 garbage not yet collected). ` +
        `${((memRounds.length * config.concurrency * 1.5 * cap) / MiB).toFixed(0)} MiB or so went through the worker in this phase.`,
    );
  }

  out.push("## Checks", "");
  out.push("| invariant | result |");
  out.push("|---|---|");
  for (const c of ev.checks) out.push(`| ${c.text} | ${c.ok ? "pass" : `**FAIL** (${c.count})`} |`);
  out.push("");
  const failures = ev.checks.filter((c) => !c.ok);
  if (failures.length) {
    out.push("### Violations (first 5 of each)", "");
    for (const c of failures) {
      out.push(`- **${c.text}**`);
      for (const e of c.examples) out.push(`  - \`${e.replace(/`/g, "'")}\``);
    }
    out.push("");
  }
  if (Object.keys(causes.all).some((c) => c.startsWith("503 upstream_unavailable"))) {
    para(
      "**About the 503s:** `upstream_unavailable` means workerd's fetch to v1 failed before v1 read the request (v1 has no record of it; " +
        "the shadow is then skipped `body_incomplete`, as docs/operations.md says). In this soak they come in bursts, mostly in the memory phase, " +
        "when workerd's single thread is saturated by mirroring large bodies: v1 (Node, keepAliveTimeout 5 s) closes an idle keep-alive " +
        "connection and workerd reuses it before it has noticed. The same phase with mirroring off, or with v1's keepAliveTimeout at 60 s, " +
        "had no failure when this was investigated. The client still loses v1's answer, so it counts.",
    );
  }
  const otherStdout = run.logs.otherStdout.length;
  if (ev.stderrNoise.length || otherStdout) {
    para(
      `workerd also printed ${ev.stderrNoise.length} other stderr line(s) and ${otherStdout} non-JSON stdout line(s)` +
        `${ev.stderrNoise[0] ? `, e.g. \`${ev.stderrNoise[0].slice(0, 200)}\`` : ""}.`,
    );
  }
  para(`${ev.passed} passed, ${ev.failed} failed (total run ${((finishedAt - run.startedAt) / 1000).toFixed(0)} s).`);
  return out.join("\n");
}
