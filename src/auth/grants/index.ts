import type { GrantHandler } from './grant.js';
import { authorizationCode } from './authorization_code.js';
import { clientCredentials } from './client_credentials.js';
import { deviceCode } from './device_code.js';
import { password } from './password.js';
import { refreshToken } from './refresh_token.js';

/** One handler per grant type, named with the protocol's word. */
export const GRANTS: Record<string, GrantHandler> = {
  authorization_code: authorizationCode,
  client_credentials: clientCredentials,
  // MSAL sends the bare word (clients.md §2); RFC 8628 defines the URN.
  device_code: deviceCode,
  'urn:ietf:params:oauth:grant-type:device_code': deviceCode,
  password,
  refresh_token: refreshToken,
};
