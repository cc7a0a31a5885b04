// Types shared by the portal's modules. Graph and control-plane bodies arrive as JSON the portal
// did not validate: `Obj` says so where a screen reads such a body field by field.

/** A JSON object from Microsoft Graph or the emulator's control plane, read field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** The access token's claims the portal reads. */
export interface Claims {
  oid: string;
  tid: string;
  upn?: string;
  preferred_username?: string;
  name?: string;
  amr?: string[];
  acrs?: string[];
  wids?: string[];
  exp?: number;
}

export interface Session {
  tenant: string;
  accessToken: string;
  refreshToken?: string;
  claims: Claims;
  /** An access token for Azure Resource Manager (audience https://management.azure.com), from the same sign-in. */
  armToken?: string;
  armExp?: number;
}

/** #/pim/my-roles/eligible?x=1 → { parts: ['pim','my-roles','eligible'], query, hash } */
export interface Route {
  parts: string[];
  query: URLSearchParams;
  hash: string;
}

/** Is the render this view belongs to superseded by a newer one? */
export type Stale = () => boolean;

/** A screen: fills `view` for `route`; stops early once `stale()` says a newer render started. */
export type View = (view: HTMLElement, route: Route, stale: Stale) => Promise<void> | void;

/** A role definition as the portal lists it. */
export interface RoleDefinition {
  id: string;
  displayName: string;
  description?: string;
  isBuiltIn?: boolean;
}
export type RoleMap = Map<string, RoleDefinition>;

/** Values h() accepts as children: nodes, text, nested arrays; empty values are skipped. */
export type Child = Node | string | number | boolean | null | undefined | Child[];
