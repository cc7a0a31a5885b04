import { createHash } from 'node:crypto';
import type { ApplicationRecord, TenantData, UserRecord } from '../directory/model.js';
import { ROLE } from '../directory/directory.js';
import { activeRoleTemplateIds } from '../pim/schedules.js';
import type { Clock } from '../clock.js';
import type { SigningKey, Store } from '../store/store.js';
import { newGuid } from '../ids.js';
import { publicKeyPem, signingKey } from './keys.js';
import { GRAPH_RESOURCE, type Client } from './clients.js';

/** JWT encoding, provided by @fastify/jwt (see emulator.ts); verification checks time against the emulator clock. */
export interface JwtCodec {
  sign(payload: Record<string, unknown>, key: SigningKey): string;
  verify(token: string, publicPem: string, nowMs: number): Record<string, unknown>;
  decode(token: string): Record<string, unknown> | undefined;
}

export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 90 * 24 * 3600;
const REFRESH_AUDIENCE = 'urn:entra-pim-emulator:refresh-token';

export interface UserTokenRequest {
  tenant: TenantData;
  user: UserRecord;
  client: Client;
  scopes: string[];
  resource: string;
  scopeEcho: string;
  amr: string[];
  acrs: string[];
  issuerBase: string;
  nonce?: string;
}

export interface TokenResponse {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

export type Claims = Record<string, unknown> & { tid: string; oid: string; idtyp: 'user' | 'app' };

export const issuerOf = (base: string, tenantId: string): string => `${base}/${tenantId}/v2.0`;

/** Issues and verifies the tokens of every grant, with times from the emulator clock. */
export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly jwt: JwtCodec,
  ) {}

  async userTokens(r: UserTokenRequest): Promise<TokenResponse> {
    const { tenant, user, client } = r;
    const key = await signingKey(this.store, tenant.tenant.id);
    const iat = Math.floor(this.clock.nowMs() / 1000);
    const iss = issuerOf(r.issuerBase, tenant.tenant.id);
    const access = this.jwt.sign(
      {
        aud: r.resource,
        iss,
        iat,
        nbf: iat,
        exp: iat + ACCESS_TOKEN_SECONDS,
        acct: 0,
        acr: '1',
        acrs: r.acrs,
        amr: r.amr,
        app_displayname: client.displayName,
        appid: client.clientId,
        appidacr: client.publicClient ? '0' : '1',
        family_name: user.surname ?? undefined,
        given_name: user.givenName ?? undefined,
        idtyp: 'user',
        ipaddr: '127.0.0.1',
        name: user.displayName,
        oid: user.id,
        scp: r.scopes.join(' '),
        sub: pairwiseSub(user.id, client.clientId),
        tid: tenant.tenant.id,
        unique_name: user.userPrincipalName,
        upn: user.userPrincipalName,
        uti: newGuid(),
        ver: '1.0',
        wids: this.wids(tenant, user.id),
      },
      key,
    );
    const idToken = this.jwt.sign(
      {
        aud: client.clientId,
        iss,
        iat,
        nbf: iat,
        exp: iat + ACCESS_TOKEN_SECONDS,
        amr: r.amr,
        name: user.displayName,
        nonce: r.nonce,
        oid: user.id,
        preferred_username: user.userPrincipalName,
        sub: pairwiseSub(user.id, client.clientId),
        tid: tenant.tenant.id,
        ver: '2.0',
      },
      key,
    );
    const refresh = this.jwt.sign(
      {
        aud: REFRESH_AUDIENCE,
        iss,
        iat,
        exp: iat + REFRESH_TOKEN_SECONDS,
        tid: tenant.tenant.id,
        oid: user.id,
        client_id: client.clientId,
        scope: r.scopeEcho,
        amr: r.amr,
        acrs: r.acrs,
        jti: newGuid(),
      },
      key,
    );
    return {
      token_type: 'Bearer',
      scope: r.scopeEcho,
      expires_in: ACCESS_TOKEN_SECONDS - 1,
      ext_expires_in: ACCESS_TOKEN_SECONDS - 1,
      access_token: access,
      refresh_token: refresh,
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.tenant.id })).toString('base64url'),
    };
  }

  async appToken(tenant: TenantData, app: ApplicationRecord, roles: string[], resource: string, scopeEcho: string, issuerBase: string): Promise<TokenResponse> {
    const key = await signingKey(this.store, tenant.tenant.id);
    const iat = Math.floor(this.clock.nowMs() / 1000);
    const access = this.jwt.sign(
      {
        aud: resource,
        iss: issuerOf(issuerBase, tenant.tenant.id),
        iat,
        nbf: iat,
        exp: iat + ACCESS_TOKEN_SECONDS,
        app_displayname: app.displayName,
        appid: app.appId,
        appidacr: '1',
        idtyp: 'app',
        oid: app.id,
        roles,
        sub: app.id,
        tid: tenant.tenant.id,
        uti: newGuid(),
        ver: '1.0',
      },
      key,
    );
    return { token_type: 'Bearer', scope: scopeEcho, expires_in: ACCESS_TOKEN_SECONDS - 1, ext_expires_in: ACCESS_TOKEN_SECONDS - 1, access_token: access };
  }

  /** Verifies signature (the token's tenant key), lifetime (emulator clock) and audience (Graph). */
  verifyAccessToken(token: string): Claims {
    const claims = this.verifyWithTenantKey(token);
    const aud = claims.aud;
    if (aud !== GRAPH_RESOURCE && aud !== `${GRAPH_RESOURCE}/` && aud !== '00000003-0000-0000-c000-000000000000') {
      throw new TokenInvalid('audience');
    }
    return claims;
  }

  verifyRefreshToken(token: string): Claims & { client_id: string; scope: string; amr: string[]; acrs: string[] } {
    const claims = this.verifyWithTenantKey(token);
    if (claims.aud !== REFRESH_AUDIENCE) throw new TokenInvalid('audience');
    return claims as never;
  }

  private verifyWithTenantKey(token: string): Claims {
    const decoded = this.jwt.decode(token);
    if (!decoded) throw new TokenInvalid('malformed');
    // A readable JWT without a tenant is not one of ours: no key can verify it.
    const tid = decoded.tid;
    if (typeof tid !== 'string') throw new TokenInvalid('signature');
    const key = this.store.tenant(tid)?.signingKey;
    if (!key) throw new TokenInvalid('signature');
    try {
      return this.jwt.verify(token, publicKeyPem(key), this.clock.nowMs()) as Claims;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code.includes('EXPIRED')) throw new TokenInvalid('expired');
      if (code.includes('INACTIVE')) throw new TokenInvalid('notYetValid');
      throw new TokenInvalid('signature');
    }
  }

  private wids(t: TenantData, userId: string): string[] {
    return [...activeRoleTemplateIds(t, userId, this.clock.nowMs()), ROLE.user];
  }
}

export class TokenInvalid extends Error {
  constructor(readonly reason: 'malformed' | 'signature' | 'expired' | 'notYetValid' | 'audience') {
    super(reason);
  }
}

/** Entra's `sub` is pairwise per user and app; a hash keeps it stable and opaque. */
function pairwiseSub(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}:${clientId}`).digest('base64url').slice(0, 43);
}
