// The sign-in form: a token in, a session cookie out (session.ts). Shown instead of
// any page to a browser that is not signed in.
import { Layout } from "./layout";
import { ADMIN_PREFIX } from "../admin/http";

export function LoginPage({ nonce, failed = false, next = ADMIN_PREFIX }: { nonce: string; failed?: boolean; next?: string }) {
  return (
    <Layout title="Sign in" nonce={nonce}>
      <h1>Sign in</h1>
      <p>The dashboard and its pause switch need an admin token: a value of the worker's secret EDGE_MIRROR_ADMIN_TOKEN.</p>
      {failed && (
        <p role="alert" class="status-divergent">
          That token is not valid.
        </p>
      )}
      <form method="post" action={`${ADMIN_PREFIX}login`} class="panel">
        <input type="hidden" name="next" value={next} />
        <p class="row">
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required size={40} />
          <button type="submit">Sign in</button>
        </p>
      </form>
    </Layout>
  );
}
