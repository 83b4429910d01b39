// The frame every dashboard page shares: the document head (inline stylesheet under
// the response's CSP nonce), the header with who is signed in, and, on pages that
// show live figures, a few lines of script that reload the page every 15 s while it
// is visible and nobody is typing. Without JavaScript the page works the same, minus that.
import type { Child } from "hono/jsx";
import { ADMIN_PREFIX } from "../admin/http";
import { STYLES } from "./styles";

export const REFRESH_SECONDS = 15;

const REFRESH_SCRIPT = `(function(){function r(){var a=document.activeElement;if(document.visibilityState!=="visible"||(a&&/^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName)))return setTimeout(r,5e3);location.reload()}setTimeout(r,${REFRESH_SECONDS * 1000})})()`;

export interface LayoutProps {
  title: string;
  /** the CSP nonce of this response */
  nonce: string;
  /** the signed-in token's name; absent on the login page */
  who?: string;
  refresh?: boolean;
  /** a page's own inline script (under the nonce) */
  script?: string;
  children?: Child;
}

export function Layout({ title, nonce, who, refresh = false, script, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · edge-mirror`}</title>
        <style nonce={nonce} dangerouslySetInnerHTML={{ __html: STYLES }} />
      </head>
      <body>
        <header>
          <p>
            <a href={ADMIN_PREFIX}>
              <strong>edge-mirror</strong>
            </a>{" "}
            <span class="muted">mirroring dashboard</span>
          </p>
          {who !== undefined && (
            <form method="post" action={`${ADMIN_PREFIX}logout`} class="row">
              <span class="muted">
                signed in as <strong>{who}</strong>
              </span>
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
        {refresh && <script nonce={nonce} dangerouslySetInnerHTML={{ __html: REFRESH_SCRIPT }} />}
        {script && <script nonce={nonce} dangerouslySetInnerHTML={{ __html: script }} />}
      </body>
    </html>
  );
}
