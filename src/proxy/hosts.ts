/**
 * The Microsoft host names proxy mode answers for, and which part of the emulator serves each.
 * Everything else is refused: the emulator never forwards a request anywhere.
 *
 * The lists are what the clients of the issue call (public cloud only):
 * - sign-in: MSAL (Node, Python, .NET) and azure-identity use login.microsoftonline.com; MSAL's
 *   instance-discovery aliases add login.windows.net, login.microsoft.com and sts.windows.net
 *   (v1 issuers are https://sts.windows.net/{tid}/).
 * - Graph: graph.microsoft.com (Graph SDKs, Connect-MgGraph, CLI for Microsoft 365, azuread).
 * - ARM: management.azure.com (az, Azure PowerShell, azurerm) and management.core.windows.net,
 *   the ARM token audience that az and Azure PowerShell also use as a host.
 */
export type Service = 'signin' | 'graph' | 'arm';

export const PROXY_HOSTS: Readonly<Record<string, Service>> = {
  'login.microsoftonline.com': 'signin',
  'login.windows.net': 'signin',
  'login.microsoft.com': 'signin',
  'sts.windows.net': 'signin',
  'graph.microsoft.com': 'graph',
  'management.azure.com': 'arm',
  'management.core.windows.net': 'arm',
};

export const SIGNIN_HOST = 'login.microsoftonline.com';

/** The service a host name belongs to; undefined for every host proxy mode refuses. */
export function serviceOfHost(host: string): Service | undefined {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return Object.hasOwn(PROXY_HOSTS, h) ? PROXY_HOSTS[h] : undefined;
}

/**
 * Which service a path belongs to in the one Fastify app. Paths of the emulator's own surfaces
 * (/_emulator, /portal, the Mailpit-compatible /api/v1) are not served under Microsoft's names.
 */
export function serviceOfPath(path: string): Service | 'emulator' {
  const first = (path.split('?')[0] ?? '').split('/').filter(Boolean)[0]?.toLowerCase() ?? '';
  if (first === 'v1.0' || first === 'beta' || /^\/oidc\/userinfo\/?$/i.test(path.split('?')[0]!)) return 'graph';
  if (first === 'subscriptions' || first === 'tenants' || first === 'metadata' || first === 'providers') return 'arm';
  if (first === '_emulator' || first === 'portal' || first === 'api') return 'emulator';
  return 'signin';
}
