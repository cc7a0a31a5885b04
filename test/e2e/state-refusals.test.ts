import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator.js';
import { defaultConfig, PACKAGE_ROOT, type Config } from '../../src/config.js';
import { CONTOSO, FABRIKAM, ROLES, USERS, tempDir, tokenFor } from '../support/emulator.js';
import { observeResponse } from '../support/conformance.js';

/**
 * Damaged state files stop the start — with a message naming the file, what is wrong and how to
 * recover — and the data directory is left byte for byte as it was: never a silent reseed.
 */

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

const fileConfig = (dataDir: string): Config => ({ ...defaultConfig(), storage: 'file', dataDir, httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' });

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A data directory from a first start, with a change in contoso's journal. */
async function populated(): Promise<string> {
  const t = tempDir('pim-state-refusal-');
  cleanups.push(t.cleanup);
  const emu = await createEmulator(fileConfig(t.dir), { observe: observeResponse });
  const token = await tokenFor(emu, USERS.admin.upn, { mfa: true });
  const res = await emu.app.inject({
    method: 'POST', url: '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', headers: { authorization: `Bearer ${token}` },
    payload: { action: 'adminAssign', justification: 'x', principalId: USERS.pimuser.id, roleDefinitionId: '5d6b6bb7-de71-4623-b4af-96380a352509', directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } },
  });
  expect(res.statusCode).toBe(201);
  await emu.close();
  return t.dir;
}

const state = (dir: string, ...p: string[]) => path.join(dir, 'state', ...p);
const gen = (dir: string) => readdirSync(state(dir)).find((f) => f.startsWith('gen-'))!;

/** Replace the first `from` in a file with `to` (same length: damage inside a JSON string). */
function alter(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.includes(from)).toBe(true);
  writeFileSync(file, text.replace(from, to));
}

const cases: Array<{ name: string; damage: (dir: string) => string; says: RegExp }> = [
  {
    name: 'system.json deleted next to tenant data',
    damage: (dir) => {
      renameSync(state(dir, 'system.json'), path.join(dir, 'system.json.bak'));
      return state(dir, 'system.json');
    },
    says: /system\.json is missing, but .*gen-\d+ holds tenant data: the emulator will not start over it .*delete the data directory/,
  },
  {
    name: 'system.json cut short',
    damage: (dir) => {
      const f = state(dir, 'system.json');
      truncateSync(f, Math.floor(statSync(f).size / 2));
      return f;
    },
    says: /system\.json: it is not valid JSON .*The emulator will not start on damaged state/,
  },
  {
    name: 'system.json altered inside a string (checksum)',
    damage: (dir) => {
      const f = state(dir, 'system.json');
      alter(f, 'Global Administrator', 'Global Administrater');
      return f;
    },
    says: /system\.json: its checksum does not match its content/,
  },
  {
    name: 'a tenant snapshot cut short',
    damage: (dir) => {
      const f = state(dir, gen(dir), `${CONTOSO.id}.json`);
      truncateSync(f, Math.floor(statSync(f).size / 2));
      return f;
    },
    says: /\.json: it is not a snapshot written by this emulator \(truncated/,
  },
  {
    name: 'a tenant snapshot altered inside a string (checksum)',
    damage: (dir) => {
      const f = state(dir, gen(dir), `${CONTOSO.id}.json`);
      alter(f, 'Contoso', 'Cantoso');
      return f;
    },
    says: /\.json: its checksum does not match its content/,
  },
  {
    name: 'a tenant snapshot missing',
    damage: (dir) => {
      const f = state(dir, gen(dir), `${CONTOSO.id}.json`);
      renameSync(f, path.join(dir, 'snapshot.bak'));
      return f;
    },
    says: /state is incomplete: .*\.json is missing/,
  },
  {
    name: 'a journal line altered before the end',
    damage: (dir) => {
      const f = state(dir, gen(dir), `${CONTOSO.id}.journal`);
      const lines = readFileSync(f, 'utf8').split('\n');
      expect(lines.length).toBeGreaterThan(2);
      // Flip one character of the first entry's payload; a later (good) entry follows it.
      lines[0] = `${lines[0]!.slice(0, 20)}${lines[0]![20] === 'A' ? 'B' : 'A'}${lines[0]!.slice(21)}`;
      writeFileSync(f, lines.join('\n'));
      appendFileSync(f, '');
      return f;
    },
    says: /\.journal: line 1 fails its checksum/,
  },
  {
    // A crash can leave a torn last line in one journal while another file is damaged: the refusal
    // must not have cut the torn line off meanwhile (it is cut at that tenant's next write).
    name: "a torn last journal line in one tenant and an altered snapshot in another",
    damage: (dir) => {
      appendFileSync(state(dir, gen(dir), `${CONTOSO.id}.journal`), TORN);
      const f = state(dir, gen(dir), `${FABRIKAM.id}.json`);
      alter(f, 'Fabrikam', 'Fabrikan');
      return f;
    },
    says: /\.json: its checksum does not match its content/,
  },
];

/** The start of a journal line whose write a crash cut short (no newline, no valid checksum). */
const TORN = '0badc0de {"seq":99,"ops":[{"op":"set","coll';

describe('damaged state stops the start, naming the file, and changes no byte', () => {
  for (const c of cases) {
    it(c.name, { timeout: 60_000 }, async () => {
      const dir = await populated();
      const file = c.damage(dir);
      const before = snapshot(dir);
      const err = await createEmulator(fileConfig(dir)).then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toContain(file);
      expect(err!.message).toMatch(c.says);
      // And how to recover: from a backup, or from the seed in a new data directory.
      expect(err!.message).toMatch(/To recover, restore .* from a backup, or delete (the data directory|it) \(or (use|run with) a fresh PIM_DATA\) to start again from the seed\.$/);
      expect(snapshot(dir)).toEqual(before);
    });
  }

  it('a torn last journal line (an update never acknowledged) is dropped: the start changes no byte, the next write goes after the last whole line', { timeout: 60_000 }, async () => {
    const dir = await populated();
    const journal = state(dir, gen(dir), `${CONTOSO.id}.journal`);
    const whole = readFileSync(journal, 'utf8');
    expect(whole.endsWith('\n')).toBe(true);
    appendFileSync(journal, TORN);

    const emu = await createEmulator(fileConfig(dir), { observe: observeResponse });
    try {
      expect(readFileSync(journal, 'utf8')).toBe(`${whole}${TORN}`);
      const token = await tokenFor(emu, USERS.admin.upn, { mfa: true });
      const res = await emu.app.inject({
        method: 'POST', url: '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', headers: { authorization: `Bearer ${token}` },
        payload: { action: 'adminAssign', justification: 'after the crash', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.directoryReaders, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } },
      });
      expect(res.statusCode, res.body).toBe(201);
      const after = readFileSync(journal, 'utf8');
      expect(after.startsWith(whole)).toBe(true);
      expect(after).not.toContain(TORN);
      expect(after.endsWith('\n')).toBe(true);
    } finally {
      await emu.close();
    }

    // Both eligibilities, the one before the crash and the one after, are there on the next start.
    const again = await createEmulator(fileConfig(dir), { observe: observeResponse });
    try {
      const token = await tokenFor(again, USERS.admin.upn, { mfa: true });
      const list = await again.app.inject({
        method: 'GET', url: `/v1.0/roleManagement/directory/roleEligibilitySchedules?$filter=principalId eq '${USERS.pimuser.id}'`, headers: { authorization: `Bearer ${token}` },
      });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().value.map((s: { roleDefinitionId: string }) => s.roleDefinitionId).sort()).toEqual([ROLES.directoryReaders, '5d6b6bb7-de71-4623-b4af-96380a352509'].sort());
    } finally {
      await again.close();
    }
  });

  it('the CLI exits 1 with the message and no stack trace', { timeout: 60_000 }, async () => {
    const dir = await populated();
    const f = state(dir, gen(dir), `${CONTOSO.id}.json`);
    alter(f, 'Contoso', 'Cantoso');
    const before = snapshot(dir);
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts')], {
        cwd: PACKAGE_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: '/tmp', PIM_HTTP_PORT: '0', PIM_HTTPS_PORT: '0', PIM_SMTP_PORT: '0', PIM_LOG_LEVEL: 'warn', PIM_STORAGE: 'file', PIM_DATA: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.once('exit', (exit) => resolve({ code: exit, output: out }));
    });
    expect(code).toBe(1);
    expect(output).toContain(`pim-emulator: cannot start: ${f}: its checksum does not match its content`);
    expect(output).not.toMatch(/\n\s+at /);
    expect(snapshot(dir)).toEqual(before);
  });
});
