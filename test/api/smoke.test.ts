import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { testEmulator, tokenFor, USERS } from '../support/emulator.js';

describe('a fresh in-memory emulator', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  it('answers /me for the user a token was minted for', async () => {
    const token = await tokenFor(emu, USERS.pimuser.upn);
    const res = await emu.app.inject({ method: 'GET', url: '/v1.0/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: USERS.pimuser.id, userPrincipalName: USERS.pimuser.upn });
  });
});
