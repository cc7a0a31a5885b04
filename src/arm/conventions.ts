import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { TenantData, UserRecord } from '../directory/model.js';
import { TokenInvalid } from '../auth/tokens.js';
import type { Actor } from '../pim/model.js';
import { baseUrl } from '../web.js';
import { ARM_AUDIENCES, ArmError, armErrors } from './errors.js';

/**
 * ARM's wire conventions shared by every Microsoft.Authorization route: the caller from an ARM
 * bearer token, api-version per resource type, nextLink paging and $filter clauses.
 */

/** Who is calling ARM: the token's tenant and principal, at the tenant's now. */
export interface ArmCaller {
  tenant: TenantData;
  kind: 'user' | 'app';
  id: string;
  user?: UserRecord;
  actor: Actor;
  nowMs: number;
}

/** The tenant and caller of an ARM bearer token (audience management.core.windows.net / management.azure.com only). */
export function armCaller(ctx: AppContext, request: FastifyRequest): ArmCaller {
  const auth = request.headers.authorization;
  if (!auth) throw armErrors.authorizationMissing();
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!m) throw armErrors.authorizationMalformed();
  let claims;
  try {
    claims = ctx.tokens.verifyAccessTokenFor(m[1]!, ARM_AUDIENCES);
  } catch (e) {
    if (!(e instanceof TokenInvalid)) throw e;
    if (e.reason === 'expired') throw armErrors.expiredToken();
    if (e.reason === 'audience') throw armErrors.wrongAudience(audienceOf(m[1]!));
    throw armErrors.invalidToken();
  }
  const tenant = ctx.store.tenant(claims.tid)!;
  const nowMs = ctx.time.nowMs(tenant);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  if (claims.idtyp === 'app') {
    const app = tenant.applications.find((a) => a.id === claims.oid);
    if (!app) throw armErrors.invalidToken();
    return { tenant, kind: 'app', id: app.id, nowMs, actor: { kind: 'app', id: app.id, displayName: app.displayName, userPrincipalName: null, appId: app.appId, amr: [], acrs: [] } };
  }
  const user = tenant.users.find((u) => u.id === claims.oid);
  if (!user || !user.accountEnabled) throw armErrors.invalidToken();
  const appId = typeof claims.appid === 'string' ? claims.appid : null;
  return {
    tenant, kind: 'user', id: user.id, user, nowMs,
    actor: { kind: 'user', id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, appId, amr: list(claims.amr), acrs: list(claims.acrs) },
  };
}

/** The aud claim of a token already verified except for its audience (for the error message). */
export function audienceOf(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    return String(payload.aud ?? '');
  } catch {
    return '';
  }
}

export const queryOf = (request: FastifyRequest): Record<string, string | undefined> => request.query as Record<string, string | undefined>;

/** The api-version a route was called with; ARM's errors when it is missing or not one of `supported`. */
export function apiVersion(request: FastifyRequest, supported: readonly string[], type?: string): string {
  const v = queryOf(request)['api-version'];
  if (v === undefined || v === '') throw armErrors.missingApiVersion();
  if (!supported.includes(v)) throw type ? armErrors.invalidResourceTypeVersion(type, v, supported) : armErrors.invalidApiVersion(v, supported);
  return v;
}

/** Items per page of an ARM list; the rest follow through `nextLink`. */
export const ARM_PAGE_SIZE = 100;

/** `{value, nextLink?}`: one page, the next one's link carrying the same query and an opaque $skiptoken. */
export function armPage<T>(request: FastifyRequest, items: readonly T[], toWire: (item: T) => unknown): { value: unknown[]; nextLink?: string } {
  const raw = queryOf(request).$skiptoken ?? queryOf(request).$skipToken;
  let skip = 0;
  if (raw !== undefined) {
    const m = /^skip:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!m) throw armErrors.invalidSkipToken(raw);
    skip = Number(m[1]);
  }
  const page = items.slice(skip, skip + ARM_PAGE_SIZE);
  const body: { value: unknown[]; nextLink?: string } = { value: page.map(toWire) };
  if (skip + ARM_PAGE_SIZE < items.length) {
    const url = new URL(request.url, baseUrl(request));
    url.searchParams.delete('$skipToken');
    url.searchParams.set('$skiptoken', Buffer.from(`skip:${skip + ARM_PAGE_SIZE}`).toString('base64url'));
    body.nextLink = `${baseUrl(request)}${url.pathname}${url.search}`;
  }
  return body;
}

/** One clause of an ARM $filter: a function (`atScope()`, `assignedTo('…')`) or `property eq '…'`. */
export type FilterClause = { fn: string; arg?: string } | { property: string; value: string };

/**
 * An ARM $filter as its clauses: `and`-joined, each optionally in parentheses, e.g.
 * `(principalId eq '…') and atScope()` (AzRM). Functions and properties not in `allowed` fail
 * loudly, saying what is supported.
 */
export function parseArmFilter(filter: string | undefined, allowed: { functions: readonly string[]; properties: readonly string[] }): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const supported = [...allowed.functions.map((f) => (f === 'assignedTo' ? "assignedTo('{objectId}')" : `${f}()`)), ...allowed.properties.map((p) => `${p} eq '{value}'`)];
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && /^\sand\s/i.test(filter.slice(i, i + 5))) {
      parts.push(filter.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(filter.slice(start));
  return parts.map((raw) => {
    let p = raw.trim();
    while (/^\(.*\)$/.test(p) && balanced(p.slice(1, -1))) p = p.slice(1, -1).trim();
    const fn = /^(\w+)\(\s*(?:'([^']*)')?\s*\)$/.exec(p);
    if (fn) {
      const name = allowed.functions.find((f) => f.toLowerCase() === fn[1]!.toLowerCase());
      if (name && (name === 'assignedTo') === (fn[2] !== undefined)) return { fn: name, ...(fn[2] !== undefined ? { arg: fn[2] } : {}) };
    }
    const eq = /^(\w+)\s+eq\s+'([^']*)'$/i.exec(p);
    if (eq) {
      const property = allowed.properties.find((x) => x.toLowerCase() === eq[1]!.toLowerCase());
      if (property) return { property, value: eq[2]! };
    }
    throw armErrors.invalidFilter(filter, supported);
  });
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

export const hasFn = (clauses: readonly FilterClause[], fn: string): FilterClause | undefined => clauses.find((c) => 'fn' in c && c.fn === fn);
export const propertyValue = (clauses: readonly FilterClause[], property: string): string | undefined => {
  const c = clauses.find((x) => 'property' in x && x.property === property);
  return c && 'value' in c ? c.value : undefined;
};

export { ArmError };
