import { createHash } from 'node:crypto';
import { createDecoder, createVerifier } from 'fast-jwt';
import type { ApplicationRecord, TenantData, UserRecord } from '../directory/model.js';
import { ROLE } from '../directory/directory.js';
import { activeRoleTemplateIds } from '../pim/schedules.js';
import { memberGroupsOf } from '../pim/group.js';
import type { SigningKey, Store } from '../store/store.js';
import { newGuid } from '../ids.js';
import { publicKeyPem, signingKey } from './keys.js';
import { GRAPH_RESOURCE, type Client } from './clients.js';

/** JWT encoding, provided by @fastify/jwt (see emulator.ts); verification is below, with fast-jwt. */
export interface JwtCodec {
  sign(payload: Record<string, unknown>, key: SigningKey): string;
  decode(token: string): Record<string, unknown> | undefined;
}

/**
 * The clock skew Entra's resource servers allow on nbf and exp: Microsoft.IdentityModel's
 * TokenValidationParameters.DefaultClockSkew, 300 seconds. Refresh tokens get none: the token
 * endpoint answers their expiry exactly.
 */
export const ACCESS_TOKEN_SKEW_SECONDS = 300;
/** The one signing algorithm Entra uses for these tokens; every other `alg` (none, HS256, …) is refused. */
const ALLOWED_ALGORITHMS = ['RS256'] as const;
/** Host names an access token's issuer may carry besides the emulator's own (Entra's v2 and v1 issuers). */
const ENTRA_ISSUER_HOSTS = ['login.microsoftonline.com', 'sts.windows.net'];
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

export const ACCESS_TOKEN_SECONDS = 3600;
/** The most groups Entra puts in a JWT's groups claim; past it, the overage claims. */
const GROUPS_IN_JWT = 200;
export const REFRESH_TOKEN_SECONDS = 90 * 24 * 3600;
const REFRESH_AUDIENCE = 'urn:entra-pim-emulator:refresh-token';
/** How many verified tokens TokenService remembers (see `checked`). */
const CHECKED_TOKENS = 10_000;

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

/** Each tenant's time (directory/tenant-clock.ts); a bare Clock also fits, for one shared time. */
export interface TenantTime {
  nowMs(tenantId?: string): number;
}

export const issuerOf = (base: string, tenantId: string): string => `${base}/${tenantId}/v2.0`;

/**
 * Whether `iss` is one of the tenant's issuers, as an Entra resource server accepts them: the v2.0
 * form `https://{host}/{tid}/v2.0` (the host being Entra's or one the emulator answers on) or the
 * v1.0 form `https://sts.windows.net/{tid}/` (learn: access-token-claims-reference, `iss`).
 */
export function isTenantIssuer(iss: unknown, tenantId: string, hosts: ReadonlySet<string>): boolean {
  if (typeof iss !== 'string') return false;
  if (iss === `https://sts.windows.net/${tenantId}/`) return true;
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.pathname.toLowerCase() !== `/${tenantId}/v2.0` || url.search || url.hash || url.username || url.password) return false;
  return hosts.has(url.hostname.toLowerCase());
}

/** A verifier per tenant key: the public key is imported into a KeyObject once, not on every request. */
interface TenantVerifier {
  kid: string;
  n: string;
  verify: (token: string) => Record<string, unknown>;
}

/** Issues and verifies the tokens of every grant, with times from the emulator clock. */
export class TokenService {
  private readonly verifiers = new Map<string, TenantVerifier>();
  /**
   * Tokens whose signature was already checked, with the key that checked it: a client sends the
   * same bearer token on every call, and RS256 verification is most of a read's cost. An entry
   * counts only while its tenant still holds that very key (rotation, deletion and reset miss);
   * issuer, lifetime and audience are checked on every request. Bounded, oldest first out.
   */
  private readonly checked = new Map<string, { tid: string; key: SigningKey; claims: Claims }>();
  private hostsMemo: { requestHost: string | undefined; own: string; hosts: Set<string> } | undefined;
  private readonly decodeComplete = createDecoder({ complete: true });

  constructor(
    private readonly store: Store,
    private readonly clock: TenantTime,
    private readonly jwt: JwtCodec,
    /** Host names the emulator is reached by (its public URL, its bind address), for the issuer check. */
    private readonly ownHosts: () => Iterable<string> = () => [],
  ) {}

  async userTokens(r: UserTokenRequest): Promise<TokenResponse> {
    const { tenant, user, client } = r;
    const key = await signingKey(this.store, tenant.tenant.id);
    const iat = Math.floor(this.clock.nowMs(tenant.tenant.id) / 1000);
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
        ...this.membershipClaims(tenant, user.id, client.registration?.groupMembershipClaims),
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
    const iat = Math.floor(this.clock.nowMs(tenant.tenant.id) / 1000);
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

  /**
   * Validates an access token as Entra's resource servers do: the token's tenant exists and has the
   * key that signed it (RS256 only, kid matching), the issuer is that tenant's (v1 or v2 form), the
   * lifetime holds on the emulator clock within Entra's 5-minute skew, and the audience is Graph.
   * `requestHost` is the host the caller used, which the emulator's own issuers may carry.
   */
  verifyAccessToken(token: string, requestHost?: string): Claims {
    const claims = this.verifyWithTenantKey(token, ACCESS_TOKEN_SKEW_SECONDS, requestHost);
    const aud = claims.aud;
    if (aud !== GRAPH_RESOURCE && aud !== `${GRAPH_RESOURCE}/` && aud !== '00000003-0000-0000-c000-000000000000') {
      throw new TokenInvalid('audience');
    }
    return claims;
  }

  /** Verifies signature and lifetime like verifyAccessToken, for another resource's audiences (ARM). */
  verifyAccessTokenFor(token: string, audiences: readonly string[], requestHost?: string): Claims {
    const claims = this.verifyWithTenantKey(token, ACCESS_TOKEN_SKEW_SECONDS, requestHost);
    if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) throw new TokenInvalid('audience');
    return claims;
  }

  verifyRefreshToken(token: string): Claims & { client_id: string; scope: string; amr: string[]; acrs: string[] } {
    const claims = this.verifyWithTenantKey(token, 0, undefined);
    if (claims.aud !== REFRESH_AUDIENCE) throw new TokenInvalid('audience');
    return claims as never;
  }

  private verifyWithTenantKey(token: string, skewSeconds: number, requestHost: string | undefined): Claims {
    const seen = this.checked.get(token);
    const claims = seen && this.store.tenant(seen.tid)?.signingKey === seen.key ? seen.claims : this.verifySignature(token);
    const tid = claims.tid;
    if (!isTenantIssuer(claims.iss, tid, this.issuerHosts(requestHost))) throw new TokenInvalid('issuer');
    const nowS = this.clock.nowMs(tid) / 1000;
    if (typeof claims.exp !== 'number' || nowS > claims.exp + skewSeconds) throw new TokenInvalid('expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || nowS < claims.nbf - skewSeconds)) throw new TokenInvalid('notYetValid');
    return claims;
  }

  /** Decodes the token and checks its signature with its tenant's key; remembers the result. */
  private verifySignature(token: string): Claims {
    let decoded: { header: Record<string, unknown>; payload: unknown };
    try {
      decoded = this.decodeComplete(token);
    } catch {
      // IdentityModel's IDX14102 names the header; a readable header over an unreadable payload is just invalid.
      throw new TokenInvalid(readableHeader(token) ? 'signature' : 'malformed');
    }
    const { header, payload } = decoded;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new TokenInvalid('signature');
    const claimed = payload as Record<string, unknown>;
    // A readable JWT without a tenant of ours is not one of ours: no key can verify it.
    const tid = claimed.tid;
    if (typeof tid !== 'string' || !this.store.tenant(tid)) throw new TokenInvalid('signature');
    // Each tenant's key lives with the tenant (auth/keys.ts); a deleted tenant's tokens find none.
    const key = this.store.tenant(tid)?.signingKey;
    if (!key) throw new TokenInvalid('signature');
    // Algorithm allow-list and key id before any signature work: alg none or HS256 over the public key never verify.
    if (!ALLOWED_ALGORITHMS.includes(header.alg as never)) throw new TokenInvalid('signature');
    if (header.kid !== undefined && header.kid !== key.kid) throw new TokenInvalid('signature');
    let claims: Claims;
    try {
      claims = this.verifierFor(tid, key).verify(token) as Claims;
    } catch {
      throw new TokenInvalid('signature');
    }
    Object.freeze(claims);
    this.checked.set(token, { tid, key, claims });
    if (this.checked.size > CHECKED_TOKENS) this.checked.delete(this.checked.keys().next().value!);
    return claims;
  }

  /** The tenant's verifier, made once per key (createVerifier imports the public key into a KeyObject). */
  private verifierFor(tenantId: string, key: SigningKey): TenantVerifier {
    const cached = this.verifiers.get(tenantId);
    if (cached && cached.kid === key.kid && cached.n === String(key.publicJwk.n)) return cached;
    const verifier: TenantVerifier = {
      kid: key.kid,
      n: String(key.publicJwk.n),
      // Lifetime is checked above against the emulator clock (fast-jwt fixes its clock when the verifier is made).
      verify: createVerifier({ key: publicKeyPem(key), algorithms: [...ALLOWED_ALGORITHMS], ignoreExpiration: true, ignoreNotBefore: true, cache: false }) as never,
    };
    this.verifiers.set(tenantId, verifier);
    return verifier;
  }

  private issuerHosts(requestHost: string | undefined): Set<string> {
    const own = [...this.ownHosts()].join(' ');
    const memo = this.hostsMemo;
    if (memo && memo.requestHost === requestHost && memo.own === own) return memo.hosts;
    const hosts = new Set([...ENTRA_ISSUER_HOSTS, ...LOOPBACK_HOSTS]);
    for (const h of this.ownHosts()) hosts.add(h.toLowerCase());
    if (requestHost) hosts.add(hostnameOf(requestHost));
    this.hostsMemo = { requestHost, own, hosts };
    return hosts;
  }

  /**
   * The ID token's membership claims, as the app's manifest (groupMembershipClaims) asks: `groups`,
   * the object ids of the user's groups (transitive, and those PIM for Groups makes it a member of
   * while that lasts) — security groups for SecurityGroup, every group for All; `wids`, the roles, for
   * DirectoryRole and All. Past 200 groups a JWT carries the overage claims instead, pointing at
   * Graph's getMemberObjects. Access tokens for Graph carry no groups claim: Microsoft Graph's own
   * registration asks for none.
   */
  private membershipClaims(t: TenantData, userId: string, wanted: ApplicationRecord['groupMembershipClaims']): Record<string, unknown> {
    if (!wanted || wanted === 'None') return {};
    const nowMs = this.clock.nowMs(t.tenant.id);
    const out: Record<string, unknown> = {};
    if (wanted === 'SecurityGroup' || wanted === 'All') {
      const groups = memberGroupsOf(t, userId, nowMs, true).filter((g) => wanted === 'All' || g.securityEnabled).map((g) => g.id);
      if (groups.length > GROUPS_IN_JWT) {
        out._claim_names = { groups: 'src1' };
        out._claim_sources = { src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${userId}/getMemberObjects` } };
      } else {
        out.groups = groups;
      }
    }
    if (wanted === 'DirectoryRole' || wanted === 'All') out.wids = this.wids(t, userId);
    return out;
  }

  private wids(t: TenantData, userId: string): string[] {
    return [...activeRoleTemplateIds(t, userId, this.clock.nowMs(t.tenant.id)), ROLE.user];
  }
}

function readableHeader(token: string): boolean {
  try {
    const h: unknown = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
    return !!h && typeof h === 'object' && !Array.isArray(h);
  } catch {
    return false;
  }
}

/** The host name of a Host header value ("localhost:8443", "[::1]:8080"). */
function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return host.toLowerCase();
  }
}

export class TokenInvalid extends Error {
  constructor(readonly reason: 'malformed' | 'signature' | 'expired' | 'notYetValid' | 'audience' | 'issuer') {
    super(reason);
  }
}

/** Entra's `sub` is pairwise per user and app; a hash keeps it stable and opaque. */
function pairwiseSub(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}:${clientId}`).digest('base64url').slice(0, 43);
}
