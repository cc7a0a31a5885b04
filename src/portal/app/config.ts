// The portal's constants: its OAuth client, the keys of what it keeps in Web Storage, Graph paths.
export const CLIENT_ID = 'a7e3c1d2-5b4f-4e86-9d0a-3f2b1c6e8d47'; // PORTAL_CLIENT_ID in src/auth/clients.ts
export const SCOPE = 'openid profile offline_access https://graph.microsoft.com/.default';
/** The portal's own address on whatever origin the browser reached the emulator by. */
/** Azure Resource Manager: a second token from the same sign-in, as Entra gives one per resource. */
export const ARM_SCOPE = 'openid profile offline_access https://management.azure.com/.default';
/** The api-version of Microsoft.Authorization's PIM resources (arm-pim-reference §1). */
export const ARM_PIM_API = 'api-version=2020-10-01';
export const redirectUri = (): string => `${location.origin}/portal/`;
export const KEY = { session: 'pimPortal.session', pending: 'pimPortal.pending', draft: 'pimPortal.draft', flash: 'pimPortal.flash', tenant: 'pimPortal.tenant', skipMfa: 'pimPortal.skipMfa', keys: 'pimPortal.keys', adminKey: 'pimPortal.adminKey' } as const;
export const DIRECTORY_ROLE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";
export const RM = '/v1.0/roleManagement/directory';
/** PIM for Groups on Graph v1.0 (pim-groups-reference §1). */
export const PAG = '/v1.0/identityGovernance/privilegedAccess/group';
