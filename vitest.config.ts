// Four test projects: the build-time compiler runs in Node (where it runs for
// real, under wrangler's [build]); everything the worker runs is tested inside
// workerd, against real loopback origins started by test/support/global-setup.ts;
// "edge" serves the bundled worker on a real socket (workerd via Miniflare)
// for raw-HTTP tests of hostile input, methods and connection faults; and "e2e"
// replays the walkthrough through `wrangler dev`. npm test runs "e2e" on its own,
// last (`vitest run --project e2e`): its wrangler [build] rewrites generated/routes.json.
import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "config",
          include: ["test/config/**/*.test.ts", "test/tools/**/*.test.ts", "test/compare/**/*.test.ts", "test/capture/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "edge",
          include: ["test/edge/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            // The compatibility date and flags come from wrangler.toml, their only copy.
            wrangler: { configPath: "./wrangler.toml" },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/routing/**/*.test.ts", "test/proxy/**/*.test.ts", "test/integration/**/*.test.ts", "test/observe/**/*.test.ts", "test/switch/**/*.test.ts", "test/dashboard/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        test: {
          // The dashboard in headless Chromium (Debian's, via playwright-core) against the worker as deployed.
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          // wrangler dev takes ~10 s to start, and starts twice; the checks run in order.
          testTimeout: 90_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
