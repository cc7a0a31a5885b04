/**
 * Built-in Microsoft Entra role template ids the emulator's own rules name (a built-in role's
 * definition id is its template id). Graph's values, written once; everything else imports them.
 */
export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  /** The "User" role every member user holds; Entra puts it in every user token's wids. */
  user: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  securityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
} as const;
