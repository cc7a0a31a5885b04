/**
 * A person at a browser, in a few lines of fetch: what the client scenarios use to get through the
 * emulator's sign-in pages (plain server-rendered HTML forms, no JavaScript). It opens a page, fills
 * the form, posts it back with its hidden fields, and reads the MFA code where the page's hint box
 * links to it (GET /_emulator/tenants/{tenant}/users/{upn}/mfa-code: what the authenticator app
 * would show). Not a scenario itself.
 */

export interface Person {
  username: string;
  password: string;
  /** Enter the authenticator code (amr pwd+mfa) or press "Sign in without MFA" (amr pwd). */
  mfa: boolean;
}

interface Page {
  url: string;
  status: number;
  html: string;
  location: string | null;
}

const unescapeHtml = (s: string): string =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function open(url: string, init: RequestInit = {}): Promise<Page> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  return { url, status: res.status, html: await res.text(), location: res.headers.get('location') };
}

/** Posts the page's first form: its hidden fields plus what the person typed or clicked. */
function submit(page: Page, typed: Record<string, string>): Promise<Page> {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.html);
  if (!form) throw new Error(`expected a form at ${page.url} (HTTP ${page.status}), got: ${alertOf(page) ?? page.html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const [input] of form[2]!.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    if (name && /\btype="hidden"/.test(input)) fields[name] = unescapeHtml(/\bvalue="([^"]*)"/.exec(input)?.[1] ?? '');
  }
  return open(new URL(unescapeHtml(form[1]!), page.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, ...typed }),
  });
}

const alertOf = (page: Page): string | undefined => {
  const m = /role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(page.html);
  return m ? unescapeHtml(m[1]!.replace(/<[^>]+>/g, '')) : undefined;
};

/** The password page, then the MFA page ("Enter code"). */
async function passwordThenMfa(signInPage: Page, who: Person): Promise<Page> {
  const mfaPage = await submit(signInPage, { login: who.username, passwd: who.password });
  if (!mfaPage.html.includes('Enter code')) throw new Error(`sign-in refused: ${alertOf(mfaPage) ?? mfaPage.status}`);
  if (!who.mfa) return submit(mfaPage, { action: 'skip' });
  // The authenticator app: the hint box links to the user's current code.
  const hint = /href="([^"]*\/mfa-code)"/.exec(mfaPage.html)?.[1];
  if (!hint) throw new Error('no MFA code link on the MFA page');
  const { code } = (await (await fetch(new URL(unescapeHtml(hint), mfaPage.url))).json()) as { code: string };
  return submit(mfaPage, { otc: code, action: 'verify' });
}

/**
 * Authorization code flow: from the /authorize URL the app opened (MSAL's getAuthCodeUrl) to the
 * redirect back to the app. Returns that redirect URL (code and state in its query).
 */
export async function signIn(authorizeUrl: string, who: Person): Promise<URL> {
  const signInPage = await open(authorizeUrl);
  if (signInPage.status !== 200) throw new Error(`authorize answered ${signInPage.status}: ${alertOf(signInPage) ?? signInPage.location}`);
  const back = await passwordThenMfa(signInPage, who);
  if (back.status !== 302 || !back.location) throw new Error(`expected the redirect to the app, got ${back.status}: ${alertOf(back) ?? ''}`);
  return new URL(back.location);
}

/**
 * Device code flow: at the verification URI the client printed, enter the user code, sign in.
 * Returns the text of the final page ("You have signed in to … on your device").
 */
export async function deviceLogin(verificationUri: string, userCode: string, who: Person): Promise<string> {
  const codePage = await open(verificationUri);
  const signInPage = await submit(codePage, { otc: userCode });
  const done = await passwordThenMfa(signInPage, who);
  const status = /role="status"[^>]*>([\s\S]*?)<\/p>/.exec(done.html)?.[1];
  if (done.status !== 200 || !status) throw new Error(`device login failed: ${alertOf(done) ?? done.status}`);
  return unescapeHtml(status);
}
