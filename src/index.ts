// Worker entry: the route table compiled from routes.yaml at build time
// (npm run build:routes, run by wrangler's [build]) wired into the app.
import compiled from "../generated/routes.json";
import { createApp } from "./app";
import type { RouteTable } from "./routing/table";

export default createApp(compiled as RouteTable) satisfies ExportedHandler<Env>;
// The Durable Object class wrangler.toml binds as COMPARE_STORE: it must be exported by the entry module.
export { CompareStore } from "./observe/compare-store";
// The pause switch's Durable Object (MIRROR_SWITCH): read by every isolate at most every 5 s.
export { MirrorSwitch } from "./switch/mirror-switch";
// The admin surface's per-client guessing limit (ADMIN_GUARD).
export { AdminGuard } from "./admin/guard";
