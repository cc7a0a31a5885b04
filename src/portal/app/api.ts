import { adminKey, keyFor } from './keys.js';
import { emuNow } from './clock.js';
import { armAccessToken, session, refreshTokens } from './session.js';
import type { Obj } from './types.js';

// ------------------------------------------------------------------ calling Graph and the control plane

/** A refusal from Graph or the control plane: the HTTP status and the error envelope's code and message. */
export class GraphFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, error?: { code?: string; message?: string }) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? '';
  }
}
export class SignedOut extends Error {}

/** One call with a bearer token and, when there is one, a JSON body. */
const send = (path: string, method: string, body: unknown, token: string): Promise<Response> =>
  fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });

/** The JSON of a 2xx answer; a 401 signs out, any other error is a GraphFailure (Graph's and ARM's envelopes alike). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function answer(res: Response): Promise<any> {
  const text = await res.text();
  let json: Obj | undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401) throw new SignedOut(`Your session has expired (${json?.error?.message ?? 'InvalidAuthenticationToken'}). Sign in again.`);
  if (!res.ok) throw new GraphFailure(res.status, json?.error);
  return json;
}

/** A Graph call with the signed-in user's token; refreshes once on 401 (tokens live one hour on the emulator clock). */
export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function graph(path: string, { method = 'GET', body }: CallOptions = {}): Promise<any> {
  const s = session();
  if (!s) throw new SignedOut('Sign in to continue.');
  if ((s.claims.exp ?? 0) * 1000 <= emuNow() + 60_000) await refreshTokens();
  let res = await send(path, method, body, session()!.accessToken);
  if (res.status === 401 && (await refreshTokens())) res = await send(path, method, body, session()!.accessToken);
  return answer(res);
}
/** A Graph collection's first page (the portal asks for $top where it needs more). */
export const list = async (path: string): Promise<Obj[]> => (await graph(path)).value ?? [];

/**
 * An Azure Resource Manager call (PIM for Azure resources) with the signed-in user's ARM token: a
 * second token from the same sign-in (session.ts), asked again once on 401. ARM's error envelope
 * ({"error":{"code","message"}}) arrives as a GraphFailure like Graph's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function arm(path: string, { method = 'GET', body }: CallOptions = {}): Promise<any> {
  if (!session()) throw new SignedOut('Sign in to continue.');
  const nowSec = () => Math.floor(emuNow() / 1000);
  let token = await armAccessToken(nowSec());
  if (!token) throw new SignedOut('The portal could not get a token for Azure Resource Manager from your sign-in.');
  let res = await send(path, method, body, token);
  if (res.status === 401 && (token = await armAccessToken(nowSec(), true))) res = await send(path, method, body, token);
  return answer(res);
}

/** Every page of an ARM collection (ARM pages with nextLink). */
export async function armList(path: string): Promise<Obj[]> {
  const out: Obj[] = [];
  let next: string | null = path;
  for (let i = 0; next && i < 50; i++) {
    const page: Obj = await arm(next);
    out.push(...(page?.value ?? []));
    next = page?.nextLink ? new URL(page.nextLink, location.origin).pathname + new URL(page.nextLink, location.origin).search : null;
  }
  return out;
}

/** The emulator's control plane (/_emulator): with this tenant's key, or the admin key. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function emu(path: string, { method = 'GET', body, key }: CallOptions & { key?: string } = {}): Promise<any> {
  // The key for a tenant's own control plane is that tenant's; anything else takes the admin key.
  const m = /^\/tenants\/([^/?]+)[/?]?/.exec(path);
  const sent = key ?? (m ? keyFor(decodeURIComponent(m[1])) : adminKey());
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (sent) headers.authorization = `Bearer ${sent}`;
  const res = await fetch(`/_emulator${path}`, {
    method,
    headers,
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new GraphFailure(res.status, json?.error);
  return json;
}
