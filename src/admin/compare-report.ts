// GET /__edge-mirror/api/report: every compared route's report, read from its
// Durable Object after this isolate's pending counts were sent, and judged with the
// settings the route table carries (routes.yaml's compare block).
import { overallVerdict, routeReport, type RouteReport } from "../compare/report";
import type { CaptureReport } from "./captures-api";
import type { Verdict } from "../compare/verdict";
import type { CompareSettings, RouteTable } from "../routing/table";
import { compareKey, type CompareRecorder, type CompareRoute, type CompareStoreNamespace } from "../observe/compare-recorder";

export interface Report {
  generatedAt: string;
  /** the worst verdict of the routes listed: fail, else inconclusive, else pass */
  verdict: Verdict;
  routes: RouteReport[];
  /** captured routes' counts (MirrorPolicy capture, src/admin/captures-api.ts), when any route captures */
  captures?: CaptureReport[];
}

export interface ComparedRoute extends CompareRoute {
  settings: CompareSettings;
}

/** Every route and mirror the table compares, in table order; `only` keeps one route (`<virtualService>/<route>`). */
export function comparedRoutes(table: RouteTable, only?: string): ComparedRoute[] {
  return table.virtualHosts.flatMap((vhost) =>
    vhost.routes.flatMap((route) => {
      const settings = route.shadow.compare;
      if (!settings || (only !== undefined && route.name !== only)) return [];
      const mirrors = [...new Set(route.mirrors.map((m) => m.cluster.name))];
      return mirrors.map((mirror) => ({
        key: compareKey(route.name, mirror),
        ...route.identity,
        mirror,
        settings,
      }));
    }),
  );
}

export async function compareReport(routes: ComparedRoute[], store: CompareStoreNamespace, recorder: CompareRecorder): Promise<Report> {
  await recorder.flushAll();
  const reports = await Promise.all(
    routes.map(async (r) => {
      const { tally } = await store.get(store.idFromName(r.key)).snapshot();
      return routeReport({ virtualService: r.virtualService, route: r.route, mirror: r.mirror }, tally, r.settings);
    }),
  );
  return { generatedAt: new Date().toISOString(), verdict: overallVerdict(reports.map((r) => r.verdict)), routes: reports };
}

/** Forgets the counts of these routes (a new v2 was deployed). */
export async function resetRoutes(routes: ComparedRoute[], store: CompareStoreNamespace, recorder: CompareRecorder): Promise<void> {
  await recorder.flushAll();
  await Promise.all(routes.map((r) => store.get(store.idFromName(r.key)).reset()));
}
