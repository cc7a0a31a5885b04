import type { LightMyRequestResponse } from 'fastify';
import type { Emulator } from '../../src/emulator.js';

/** Helpers for API tests that talk to an emulator through `app.inject` (no sockets). */

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

/** GET a Graph (or any) URL with a bearer token. */
export function get(emu: Emulator, url: string, token?: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return emu.app.inject({ method: 'GET', url, headers: { ...(token ? bearer(token) : {}), ...headers } });
}

/** A JSON request with a bearer token. */
export function send(emu: Emulator, method: 'POST' | 'PATCH' | 'DELETE', url: string, token: string | undefined, payload?: unknown): Promise<LightMyRequestResponse> {
  return emu.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** POST /{tenant}/oauth2/v2.0/token as a form, the way MSAL sends it. */
export function tokenRequest(emu: Emulator, tenant: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return emu.app.inject({
    method: 'POST',
    url: `/${tenant}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

/** Move the emulator clock (POST /_emulator/clock); throws unless 200. */
export async function moveClock(emu: Emulator, body: { advance?: string; set?: string; freeze?: boolean }): Promise<{ now: string; frozen: boolean }> {
  const res = await emu.app.inject({ method: 'POST', url: '/_emulator/clock', payload: body });
  if (res.statusCode !== 200) throw new Error(`clock ${JSON.stringify(body)}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The current MFA code of a user (GET /_emulator/tenants/{tenant}/users/{upn}/mfa-code). */
export async function mfaCode(emu: Emulator, upn: string, tenant = upn.split('@')[1]!.split('.')[0]!): Promise<string> {
  const res = await emu.app.inject({ method: 'GET', url: `/_emulator/tenants/${tenant}/users/${upn}/mfa-code` });
  if (res.statusCode !== 200) throw new Error(`mfa code for ${upn}: ${res.statusCode} ${res.body}`);
  return res.json().code as string;
}

/** The path and query of an absolute URL, for following @odata.nextLink through inject. */
export const pathOf = (absolute: string): string => {
  const u = new URL(absolute);
  return `${u.pathname}${u.search}`;
};

/** The JSON header of a JWT. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
