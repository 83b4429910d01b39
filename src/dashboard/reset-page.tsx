// "Reset counts" (issue 21 item 6): the route page's button is a link to this page,
// which says what will be forgotten and asks once more; its form POSTs to
// /__edge-mirror/reset, where admin.ts has checked the session and the Origin (the
// same CSRF defence as the pause switch's forms) before the report API's DELETE runs
// for this route. No script needed.
import { Layout } from "./layout";
import { routeHref } from "./routes-page";
import { ADMIN_PREFIX } from "../admin/http";

export const RESET_FORM = `${ADMIN_PREFIX}reset`;
export const resetHref = (route: string) => `${RESET_FORM}?name=${encodeURIComponent(route)}`;

export function ResetPage({ route, nonce, who }: { route: string; nonce: string; who: string }) {
  return (
    <Layout title={`Reset ${route}`} nonce={nonce} who={who}>
      <h1>Reset the counts of {route}?</h1>
      <p>
        Every mirror of this route forgets what it counted: mirrored and compared requests, fields, examples, latency and the history. Its verdict starts again from nothing, as after
        deploying a new v2 (the same as <code>DELETE {ADMIN_PREFIX}api/report?route=…</code>). Mirroring itself is not changed.
      </p>
      <form method="post" action={RESET_FORM} class="row">
        <input type="hidden" name="route" value={route} />
        <button type="submit" class="stop">
          Reset counts
        </button>
        <a href={routeHref(route)}>Cancel</a>
      </form>
    </Layout>
  );
}
