import { escapeHtml } from '../html.js';
/**
 * The sign-in pages, server-rendered: small template functions over one layout. Every
 * interpolated value is escaped by the `html` tag; only `Html` values (other templates) pass
 * through. No JavaScript is needed (the form_post page submits itself when it may, and offers a
 * button when it may not), and nothing is loaded from elsewhere: the CSS is inline.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

export { escapeHtml };

function render(v: Part): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === undefined || v === null || v === false || v === true) return '';
  return escapeHtml(String(v));
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes text; nested templates are kept as they are. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

/** The response headers every page carries: no caching of flow state, no framing, nothing external. */
export function pageHeaders(opts: { inlineScript?: boolean } = {}): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; ${opts.inlineScript ? "script-src 'unsafe-inline'; " : ''}frame-ancestors 'none'; base-uri 'none'`,
  };
}

const CSS = `
*{box-sizing:border-box}
html{background:#f2f2f2}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;font-family:"Segoe UI","Segoe UI Web (West European)",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",sans-serif;font-size:15px;color:#1b1b1b;line-height:1.4}
main{width:100%;max-width:440px;margin:8vh 16px 16px;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.brand{display:flex;align-items:center;gap:10px;font-size:15px;font-weight:600;color:#5e5e5e;margin:0 0 16px}
.logo{display:grid;grid-template-columns:10px 10px;gap:2px}
.logo span{width:10px;height:10px;display:block}
.logo span:nth-child(1){background:#f25022}.logo span:nth-child(2){background:#7fba00}.logo span:nth-child(3){background:#00a4ef}.logo span:nth-child(4){background:#ffb900}
h1{font-size:24px;font-weight:600;margin:0 0 12px;line-height:1.25}
p{margin:0 0 12px}
.account{font-size:15px;margin:0 0 12px;color:#1b1b1b}
.field{margin:0 0 16px}
label{display:block;font-size:13px;color:#505050;margin:0 0 2px}
input[type=email],input[type=text],input[type=password]{width:100%;font:inherit;padding:6px 0;border:0;border-bottom:1px solid #666;background:transparent;outline:none}
input:focus{border-bottom:2px solid #0067b8;padding-bottom:5px}
input[aria-invalid=true]{border-bottom-color:#e81123}
.alert{color:#e81123;margin:0 0 12px}
.code{color:#5e5e5e;font-size:12px}
.buttons{display:flex;flex-wrap:wrap;gap:8px;justify-content:flex-end;align-items:center;margin-top:24px}
button,.button{font:inherit;min-width:108px;min-height:32px;padding:4px 12px;border:1px solid transparent;cursor:pointer;text-align:center;text-decoration:none;display:inline-block}
.primary{background:#0067b8;color:#fff}
.primary:hover{background:#005da6}
.secondary{background:#ccc;color:#000}
.link{background:none;border:0;color:#0067b8;padding:0;min-width:0;min-height:0;text-decoration:underline}
button:focus-visible,a:focus-visible,input:focus-visible{outline:2px solid #000;outline-offset:2px}
a{color:#0067b8}
.hint{background:#fff8e1;border-left:4px solid #ffb900;padding:8px 12px;margin:0 0 16px;font-size:13px;word-break:break-all}
.hint a{word-break:break-all}
details{margin-top:16px;font-size:13px;color:#505050}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0}
dt{font-weight:600}dd{margin:0;word-break:break-all}
footer{font-size:12px;color:#5e5e5e;margin:8px 16px 24px;text-align:center}
`;

/** The page shell: lang, a title, the "Microsoft-style" card, and the emulator named plainly. */
export function layout(title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title} - entra-pim-emulator</title>
<style>${new Html(CSS)}</style>
</head>
<body>
<main>
<div class="brand"><span class="logo" aria-hidden="true"><span></span><span></span><span></span><span></span></span>entra-pim-emulator</div>
${body}
</main>
<footer>entra-pim-emulator: a local emulator of Microsoft Entra sign-in for tests and workshops. Not a Microsoft service; never enter a real password here.</footer>
</body>
</html>`.value;
}

/** An error message announced to screen readers, with Entra's code in small print. */
function alert(id: string, message: string | undefined, code?: number): Html {
  if (!message) return html``;
  return html`<p class="alert" id="${id}" role="alert">${message}${code ? html` <span class="code">(AADSTS${code})</span>` : ''}</p>`;
}

export interface SignInView {
  action: string;
  flow: string;
  appName: string;
  username?: string;
  error?: { message: string; code?: number };
  /** Device code flows show which app is asking, and a Cancel that declines it. */
  device?: boolean;
}

export function signInPage(v: SignInView): string {
  const invalid = v.error ? 'true' : 'false';
  // With a login_hint (or after an error) the username is known: start at the password.
  const focusPassword = Boolean(v.username);
  return layout('Sign in', html`
<h1 id="title">Sign in</h1>
${v.device
    ? html`<p>Are you trying to sign in to <strong>${v.appName}</strong>? Only continue if you started this sign-in on your device.</p>`
    : html`<p>to continue to <strong>${v.appName}</strong></p>`}
${alert('error', v.error?.message, v.error?.code)}
<form method="post" action="${v.action}">
<input type="hidden" name="flow" value="${v.flow}">
<div class="field">
<label for="login">Email address</label>
<input id="login" name="login" type="email" autocomplete="username" spellcheck="false" required value="${v.username ?? ''}" aria-invalid="${invalid}"${v.error ? html` aria-describedby="error"` : ''}${focusPassword ? '' : html` autofocus`}>
</div>
<div class="field">
<label for="passwd">Password</label>
<input id="passwd" name="passwd" type="password" autocomplete="current-password" required${focusPassword ? html` autofocus` : ''}>
</div>
<div class="buttons">
<button type="submit" class="primary">Sign in</button>
${v.device ? html`<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>` : ''}
</div>
</form>`);
}

export interface MfaView {
  action: string;
  flow: string;
  upn: string;
  tenantName: string;
  error?: { message: string; code?: number };
  /** Whether "Sign in without MFA (password only)" is offered: not when MFA is required. */
  allowSkip: boolean;
  /** Why MFA is required, when it is (e.g. "authentication context c1"). */
  requiredBecause?: string;
  device?: boolean;
}

export function mfaPage(v: MfaView): string {
  const path = `/_emulator/tenants/${encodeURIComponent(v.tenantName)}/users/${encodeURIComponent(v.upn)}/mfa-code`;
  return layout('Enter code', html`
<p class="account">${v.upn}</p>
<h1 id="title">Enter code</h1>
<p id="mfa-desc">Enter the code displayed in the authenticator app on your mobile device</p>
${v.requiredBecause ? html`<p>This sign-in requires multi-factor authentication (${v.requiredBecause}).</p>` : ''}
${alert('error', v.error?.message, v.error?.code)}
<div class="hint" id="hint">Emulator: read the current code at <a href="${path}">GET /_emulator/tenants/${v.tenantName}/users/${v.upn}/mfa-code</a></div>
<form method="post" action="${v.action}">
<input type="hidden" name="flow" value="${v.flow}">
<div class="field">
<label for="otc">Code</label>
<input id="otc" name="otc" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus aria-invalid="${v.error ? 'true' : 'false'}" aria-describedby="mfa-desc hint${v.error ? ' error' : ''}">
</div>
<div class="buttons">
<button type="submit" name="action" value="verify" class="primary">Verify</button>
${v.device ? html`<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>` : ''}
</div>
${v.allowSkip ? html`<p><button type="submit" name="action" value="skip" class="link" formnovalidate>Sign in without MFA (password only)</button></p>` : ''}
</form>`);
}

export interface ErrorView {
  code: number;
  message: string;
  /** Extra lines from the emulator (what is registered, where to look). */
  notes?: string[];
  correlationId: string;
  traceId: string;
  timestamp: string;
  appName?: string;
}

/** Entra's error page: a fixed heading, the AADSTS message, and the troubleshooting details. */
export function errorPage(v: ErrorView): string {
  return layout('Sign in error', html`
<h1 id="title">Sorry, but we're having trouble signing you in.</h1>
<p role="alert">AADSTS${v.code}: ${v.message}</p>
${(v.notes ?? []).map((n) => html`<p class="hint">${n}</p>`)}
<details open>
<summary>Troubleshooting details</summary>
<dl>
${v.appName ? html`<dt>App name</dt><dd>${v.appName}</dd>` : ''}
<dt>Error code</dt><dd>AADSTS${v.code}</dd>
<dt>Request Id</dt><dd>${v.traceId}</dd>
<dt>Correlation Id</dt><dd>${v.correlationId}</dd>
<dt>Timestamp</dt><dd>${v.timestamp}</dd>
</dl>
</details>`);
}

/** response_mode=form_post: posts the result to the app; submits itself when scripts run. */
export function formPostPage(action: string, fields: Record<string, string | undefined>): string {
  const inputs = Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined);
  return layout('Working...', html`
<h1 id="title">Working...</h1>
<form method="post" name="hiddenform" action="${action}">
${inputs.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}
<noscript><p>Script is disabled. Click Submit to continue.</p><div class="buttons"><button type="submit" class="primary">Submit</button></div></noscript>
</form>
<script>document.forms.hiddenform.submit();</script>`);
}

export function signedOutPage(note?: string): string {
  return layout('Sign out', html`
<h1 id="title">You signed out of your account</h1>
<p>It's a good idea to close all browser windows.</p>
${note ? html`<p class="hint">${note}</p>` : ''}`);
}

export function deviceCodePage(v: { action: string; code?: string; error?: { message: string; code?: number } }): string {
  return layout('Enter code', html`
<h1 id="title">Enter code</h1>
<p id="otc-desc">Enter the code displayed on your app or device.</p>
${alert('error', v.error?.message, v.error?.code)}
<form method="post" action="${v.action}">
<div class="field">
<label for="otc">Code</label>
<input id="otc" name="otc" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20" required autofocus value="${v.code ?? ''}" aria-invalid="${v.error ? 'true' : 'false'}" aria-describedby="otc-desc${v.error ? ' error' : ''}">
</div>
<div class="buttons"><button type="submit" class="primary">Next</button></div>
</form>`);
}

export function deviceDonePage(appName: string): string {
  return layout('Signed in', html`
<h1 id="title">${appName}</h1>
<p role="status">You have signed in to the ${appName} application on your device. You may now close this window.</p>`);
}

export function deviceDeclinedPage(appName: string): string {
  return layout('Sign-in cancelled', html`
<h1 id="title">${appName}</h1>
<p role="status">You declined to sign in to the ${appName} application on your device. You may now close this window.</p>`);
}
