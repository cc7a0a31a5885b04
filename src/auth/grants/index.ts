import type { GrantHandler } from './grant.js';
import { clientCredentials } from './client_credentials.js';
import { password } from './password.js';
import { refreshToken } from './refresh_token.js';

/** One handler per grant type, named with the protocol's word. */
export const GRANTS: Record<string, GrantHandler> = {
  client_credentials: clientCredentials,
  password,
  refresh_token: refreshToken,
};
