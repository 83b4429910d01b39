// The dashboard's pages: the routes page, one route's page and the sign-in form,
// rendered for admin.ts, which decides who may see them (src/admin/caller.ts).
import type { DashboardView } from "./view-model";
import { html } from "../admin/http";
import { LoginPage } from "./login-page";
import { RoutesPage } from "./routes-page";
import { RoutePage } from "./route-page";

/** GET /__edge-mirror/ (every mirrored route) or /__edge-mirror/route?name=<vs>/<route>; undefined for a route not shown. */
export function dashboardPage(url: URL, view: DashboardView): Response | undefined {
  if (url.pathname.endsWith("/route")) {
    const route = url.searchParams.get("name") ?? "";
    if (!view.rows.some((r) => r.route === route)) return undefined;
    return html(200, (nonce) => <RoutePage view={view} route={route} nonce={nonce} />);
  }
  return html(200, (nonce) => <RoutesPage view={view} nonce={nonce} />);
}

/** The sign-in form, 401: for a browser that is not signed in, or after a wrong token (`failed`). */
export function loginPage({ failed = false, next }: { failed?: boolean; next?: string } = {}): Response {
  return html(401, (nonce) => <LoginPage nonce={nonce} failed={failed} next={next} />);
}
