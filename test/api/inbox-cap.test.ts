import { afterEach, describe, expect, it } from 'vitest';
import { Inbox } from '../../src/mail/inbox.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { testEmulator } from '../support/emulator.js';
import { get } from '../support/api.js';

/**
 * The inbox keeps every message until it is deleted or reset. A cap is opt-in (PIM_INBOX_MAX), and
 * what it drops is counted and shown — in /_emulator/health and in the inbox API — never silent.
 */

const source = (n: number) => `From: a@contoso.example\r\nTo: b@contoso.example\r\nSubject: mail ${n}\r\nMessage-ID: <cap${n}@test>\r\n\r\nbody ${n}\r\n`;

describe('inbox retention', () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('keeps every message by default: 2,500 stored, none evicted', async () => {
    const inbox = new Inbox();
    for (let n = 1; n <= 2500; n++) await inbox.add(source(n));
    expect(inbox.count).toBe(2500);
    expect(inbox.evicted).toBe(0);
    expect(inbox.list().at(-1)?.subject).toBe('mail 1');
    // A redelivered copy (same Message-ID) is still dropped, however many messages are kept.
    expect(await inbox.add(source(7))).toBeUndefined();
    expect(inbox.count).toBe(2500);
  }, 60_000);

  it('with PIM_INBOX_MAX, evicts the oldest and counts each eviction in health and in GET /_emulator/mail', async () => {
    emu = await testEmulator({ inboxMax: 2 });
    const inbox = emu.ctx.mail.inbox;
    for (const n of [1, 2, 3, 4, 5]) await inbox.add(source(n));

    const health = await get(emu, '/_emulator/health');
    expect(health.json().inbox).toEqual({ messages: 2, evicted: 3, max: 2 });
    const listed = await get(emu, '/_emulator/mail');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({ total: 2, count: 2, evicted: 3 });
    expect(listed.json().messages.map((m: { subject: string }) => m.subject)).toEqual(['mail 5', 'mail 4']);
    // Exactly once: an evicted message that comes again (an outbox retry after a crash) is not captured twice.
    expect(await inbox.add(source(1))).toBeUndefined();

    // Reset empties the inbox and its count.
    expect((await emu.app.inject({ method: 'POST', url: '/_emulator/reset' })).statusCode).toBe(200);
    expect((await get(emu, '/_emulator/health')).json().inbox).toEqual({ messages: 0, evicted: 0, max: 2 });
  });

  it('reports no cap in health when none is set', async () => {
    emu = await testEmulator();
    expect((await get(emu, '/_emulator/health')).json().inbox).toEqual({ messages: 0, evicted: 0, max: null });
  });

  it('reads PIM_INBOX_MAX and --inbox-max as a positive whole number, and refuses anything else', () => {
    expect(loadConfig({}).inboxMax).toBeUndefined();
    expect(loadConfig({ PIM_INBOX_MAX: '5000' }).inboxMax).toBe(5000);
    expect(loadConfig({}, ['--inbox-max', '10']).inboxMax).toBe(10);
    for (const bad of ['0', '-1', 'many', '1.5']) {
      expect(() => loadConfig({ PIM_INBOX_MAX: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ PIM_INBOX_MAX: bad })).toThrow(`PIM_INBOX_MAX must be a positive whole number (or empty for no limit); got '${bad}'`);
    }
  });
});
