// What the dashboard's browser tests (test/browser/) share: the world they drive — two
// recording origins (v1, and a v2 that differs from v1 in one field), the worker as
// deployed in front of them (worker-stack.ts) with one admin token, and headless
// Chromium — started before a file's tests and stopped after them; the routes file they
// serve (a compared route, and optionally an uncompared one); and signing in as a
// person does.
import { afterAll, beforeAll, expect } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { compileOrThrow } from "../../src/config/compile";
import { startOrigin, type Origin } from "../../devkit/origin";
import { chromiumLaunch } from "../../devkit/chromium";
import { startWorker, type WorkerStack } from "./worker-stack";

export const HOST = "api.test";

/**
 * VirtualService api on HOST: route `users` (/compare/demo) mirrored and compared
 * (every compared request also gets a noise sample, so the noise is known whatever
 * the draw), and with `catalog`, a second route mirrored but not compared.
 */
export function dashboardRoutes(v1: number, v2: number, { catalog = false } = {}): string {
  const catalogRoute = catalog
    ? `
  - name: catalog
    route: [{destination: {host: api-origin, subset: v1}}]
    mirror: {host: api-origin, subset: v2}`
    : "";
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [${HOST}]
  http:
  - name: users
    match: [{uri: {prefix: /compare/demo}}]
    route: [{destination: {host: api-origin, subset: v1}}]
    mirror: {host: api-origin, subset: v2}${catalogRoute}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: users-compare}
spec:
  targetRef: {virtualService: api, route: users}
  compare:
    noisePercent: 100
    gate: {maxDivergencePercent: 1, minCompared: 20}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-origin}
spec:
  host: api-origin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-origin}
spec:
  hosts: [api-origin]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${v1}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: ${v2}}, labels: {version: v2}}
`;
}

export interface BrowserWorld {
  v1: Origin;
  v2: Origin;
  worker: WorkerStack;
  browser: Browser;
}

/** Starts the world before the file's tests (alice signs in with `token`) and stops it after; its fields are set once beforeAll ran. */
export function browserWorld(file: string, token: string, routes: (v1: number, v2: number) => string): BrowserWorld {
  const world = {} as BrowserWorld;
  beforeAll(async () => {
    const launch = await chromiumLaunch();
    world.v1 = await startOrigin({ name: "v1" });
    world.v2 = await startOrigin({ name: "v2" });
    world.worker = await startWorker(compileOrThrow(routes(world.v1.port, world.v2.port), file), { EDGE_MIRROR_ADMIN_TOKEN: `alice:${token}` });
    world.browser = await chromium.launch(launch);
  }, 60_000);
  afterAll(async () => {
    await world.browser?.close();
    await world.worker?.close();
    await Promise.all([world.v1?.close(), world.v2?.close()]);
  });
  return world;
}

export async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

/** Signs in through the form, as a person does; the dashboard's front page is open after it. */
export async function signIn(context: BrowserContext, worker: WorkerStack, token: string): Promise<Page> {
  const page = await context.newPage();
  const answer = await page.goto(`${worker.url}/__edge-mirror/`);
  expect(answer?.status()).toBe(401);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.url()).toBe(`${worker.url}/__edge-mirror/`);
  return page;
}
