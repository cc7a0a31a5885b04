import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TenantData } from '../../src/directory/model.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { LowdbStore, readTenantFromDisk } from '../../src/store/lowdb-store.js';
import { parseSeed } from '../../src/store/seed.js';
import type { State, SystemData } from '../../src/store/store.js';

const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const CONTOSO = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const FABRIKAM = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const NORTHWIND = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

function tenantDoc(id: string, name: string) {
  return {
    tenant: { id, name, domain: `${name}.onmicrosoft.com` },
    users: [{ id: `${id.slice(0, 8)}-1111-4111-8111-111111111111`, displayName: `${name} admin`, userPrincipalName: `admin@${name}.onmicrosoft.com` }],
  };
}

/** A fresh State (new objects each call) with the given tenants. */
function state(...tenants: Array<[string, string]>): State {
  return parseSeed({
    roleDefinitions: [{ id: ROLE, templateId: ROLE, displayName: 'Global Administrator', rolePermissions: [] }],
    tenants: tenants.map(([id, name]) => tenantDoc(id, name)),
  });
}
const twoTenants = () => state([CONTOSO, 'contoso'], [FABRIKAM, 'fabrikam']);

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

const dirs: string[] = [];
const stores: LowdbStore[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pim-store-test-'));
  dirs.push(dir);
  return dir;
}
async function open(kind: 'file' | 'memory', dir: string | undefined, initial: () => State = twoTenants): Promise<LowdbStore> {
  const store = await LowdbStore.open(kind, dir, initial);
  stores.push(store);
  return store;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const signingKey = (kid: string) => ({ kid, privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${kid}\n-----END PRIVATE KEY-----`, publicJwk: { kid } });

describe('LowdbStore with file storage', () => {
  it('writes system.json and one file per tenant under gen-1 when it opens an empty directory', async () => {
    const dir = await tempDir();
    await open('file', dir);
    const system = await readJson<SystemData>(path.join(dir, 'system.json'));
    expect(system.generation).toBe(1);
    expect(system.tenantIds).toEqual([CONTOSO, FABRIKAM]);
    expect((await readdir(path.join(dir, 'gen-1'))).sort()).toEqual([`${CONTOSO}.json`, `${FABRIKAM}.json`]);
    const contoso = await readTenantFromDisk(dir, 1, CONTOSO);
    expect(contoso.tenant.name).toBe('contoso');
  });

  it('creates the data directory when it does not exist', async () => {
    const dir = path.join(await tempDir(), 'nested', 'data');
    await open('file', dir);
    expect(existsSync(path.join(dir, 'system.json'))).toBe(true);
  });

  it('serves the initial state', async () => {
    const store = await open('file', await tempDir());
    expect(store.kind).toBe('file');
    expect(store.tenant(CONTOSO)?.tenant.name).toBe('contoso');
    expect(store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam']);
    expect(store.system().roleDefinitions.map((r) => r.id)).toEqual([ROLE]);
    expect(store.tenant('no-such-tenant')).toBeUndefined();
  });

  it('has the change in the tenant file on disk as soon as update() resolves', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    const result = await store.update(CONTOSO, (t) => {
      t.tenant.displayName = 'Contoso Ltd';
      return 'done';
    });
    expect(result).toBe('done');
    const onDisk = await readTenantFromDisk(dir, 1, CONTOSO);
    expect(onDisk.tenant.displayName).toBe('Contoso Ltd');
  });

  it('leaves the other tenant file alone', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    const before = await readFile(path.join(dir, 'gen-1', `${FABRIKAM}.json`), 'utf8');
    await store.update(CONTOSO, (t) => void (t.tenant.displayName = 'Contoso Ltd'));
    expect(await readFile(path.join(dir, 'gen-1', `${FABRIKAM}.json`), 'utf8')).toBe(before);
  });

  it('has the change in system.json on disk as soon as updateSystem() resolves', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    await store.updateSystem((s) => void (s.clock = { offsetMs: 3_600_000, frozenAt: null }));
    expect((await readJson<SystemData>(path.join(dir, 'system.json'))).clock.offsetMs).toBe(3_600_000);
  });

  it('keeps every one of 200 concurrent updates to one tenant', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.update(CONTOSO, (t) => {
          t.tenant.licenses.push(`SKU_${i}`);
        }),
      ),
    );
    const onDisk = await readTenantFromDisk(dir, 1, CONTOSO);
    expect(onDisk.tenant.licenses).toHaveLength(200);
    expect(new Set(onDisk.tenant.licenses)).toEqual(new Set(Array.from({ length: 200 }, (_, i) => `SKU_${i}`)));
  });

  it('rejects an update of a tenant it does not have', async () => {
    const store = await open('file', await tempDir());
    await expect(store.update(NORTHWIND, () => undefined)).rejects.toThrow(NORTHWIND);
  });

  it('reads back, on the next open, what an earlier one wrote — without asking for the initial state', async () => {
    const dir = await tempDir();
    const first = await open('file', dir);
    await first.update(FABRIKAM, (t) => void t.tenant.licenses.push('AAD_PREMIUM_P2'));
    await first.updateSystem((s) => void (s.signingKeys[FABRIKAM] = signingKey('k1')));
    await first.close();

    const second = await open('file', dir, () => {
      throw new Error('initial() must not be called when state exists');
    });
    expect(second.tenant(FABRIKAM)?.tenant.licenses).toEqual(['AAD_PREMIUM_P2']);
    expect(second.system().signingKeys[FABRIKAM]?.kid).toBe('k1');
    expect(second.tenants()).toHaveLength(2);
  });

  it('refuses to open state whose tenant file is missing', async () => {
    const dir = await tempDir();
    const first = await open('file', dir);
    await first.close();
    await rm(path.join(dir, 'gen-1', `${FABRIKAM}.json`));
    await expect(LowdbStore.open('file', dir, twoTenants)).rejects.toThrow(FABRIKAM);
  });

  describe('replace()', () => {
    it('writes the new state to gen-2, points system.json at it and removes gen-1', async () => {
      const dir = await tempDir();
      const store = await open('file', dir);
      await store.replace(state([CONTOSO, 'contoso'], [NORTHWIND, 'northwind']));

      const system = await readJson<SystemData>(path.join(dir, 'system.json'));
      expect(system.generation).toBe(2);
      expect(system.tenantIds).toEqual([CONTOSO, NORTHWIND]);
      expect(existsSync(path.join(dir, 'gen-1'))).toBe(false);
      expect((await readdir(path.join(dir, 'gen-2'))).sort()).toEqual([`${CONTOSO}.json`, `${NORTHWIND}.json`]);
      expect(store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'northwind']);
      expect(store.tenant(FABRIKAM)).toBeUndefined();
    });

    it('throws away changes made before it', async () => {
      const dir = await tempDir();
      const store = await open('file', dir);
      await store.update(CONTOSO, (t) => void (t.tenant.displayName = 'Changed'));
      await store.replace(twoTenants());
      expect(store.tenant(CONTOSO)?.tenant.displayName).toBe('contoso');
      expect((await readTenantFromDisk(dir, 2, CONTOSO)).tenant.displayName).toBe('contoso');
    });

    it('keeps the signing keys of tenants that remain and drops the others', async () => {
      const dir = await tempDir();
      const store = await open('file', dir);
      await store.updateSystem((s) => {
        s.signingKeys[CONTOSO] = signingKey('contoso-key');
        s.signingKeys[FABRIKAM] = signingKey('fabrikam-key');
      });
      await store.replace(state([CONTOSO, 'contoso'], [NORTHWIND, 'northwind']));

      expect(Object.keys(store.system().signingKeys)).toEqual([CONTOSO]);
      expect(store.system().signingKeys[CONTOSO]?.kid).toBe('contoso-key');
      const onDisk = await readJson<SystemData>(path.join(dir, 'system.json'));
      expect(onDisk.signingKeys[CONTOSO]?.kid).toBe('contoso-key');
      expect(onDisk.signingKeys[FABRIKAM]).toBeUndefined();
    });

    it('keeps the clock', async () => {
      const dir = await tempDir();
      const store = await open('file', dir);
      await store.updateSystem((s) => void (s.clock = { offsetMs: 0, frozenAt: Date.UTC(2030, 0, 1) }));
      await store.replace(twoTenants());
      expect(store.system().clock).toEqual({ offsetMs: 0, frozenAt: Date.UTC(2030, 0, 1) });
      expect((await readJson<SystemData>(path.join(dir, 'system.json'))).clock.frozenAt).toBe(Date.UTC(2030, 0, 1));
    });

    it('makes later updates land in the new generation, and survives a reopen', async () => {
      const dir = await tempDir();
      const store = await open('file', dir);
      await store.replace(twoTenants());
      await store.replace(twoTenants());
      await store.update(CONTOSO, (t) => void (t.tenant.displayName = 'After reset'));
      expect((await readTenantFromDisk(dir, 3, CONTOSO)).tenant.displayName).toBe('After reset');
      expect((await readdir(dir)).filter((f) => f.startsWith('gen-'))).toEqual(['gen-3']);
      await store.close();

      const reopened = await open('file', dir);
      expect(reopened.tenant(CONTOSO)?.tenant.displayName).toBe('After reset');
    });

    it('makes updates started during it wait and apply to the new state', async () => {
      const dir = await tempDir();
      const store = await open('file', dir);
      const replacing = store.replace(twoTenants());
      const updating = store.update(CONTOSO, (t) => void (t.tenant.displayName = 'Written after reset'));
      await Promise.all([replacing, updating]);
      expect(store.tenant(CONTOSO)?.tenant.displayName).toBe('Written after reset');
      expect((await readTenantFromDisk(dir, 2, CONTOSO)).tenant.displayName).toBe('Written after reset');
    });
  });
});

describe('LowdbStore: adding and removing one tenant', () => {
  const northwind = () => state([NORTHWIND, 'northwind']).tenants[0]!;

  it('writes the new tenant file, then lists it in system.json, leaving the other tenant files alone', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    const before = await readFile(path.join(dir, 'gen-1', `${CONTOSO}.json`), 'utf8');
    await store.addTenant(northwind());
    expect((await readJson<SystemData>(path.join(dir, 'system.json'))).tenantIds).toEqual([CONTOSO, FABRIKAM, NORTHWIND]);
    expect((await readTenantFromDisk(dir, 1, NORTHWIND)).tenant.name).toBe('northwind');
    expect(await readFile(path.join(dir, 'gen-1', `${CONTOSO}.json`), 'utf8')).toBe(before);
    expect(store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam', 'northwind']);
    await store.update(NORTHWIND, (t) => void (t.tenant.displayName = 'Northwind Traders'));
    await store.close();

    const reopened = await open('file', dir);
    expect(reopened.tenant(NORTHWIND)?.tenant.displayName).toBe('Northwind Traders');
  });

  it('removes a tenant from system.json, deletes its file and drops its signing key', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    await store.updateSystem((s) => {
      s.signingKeys[CONTOSO] = signingKey('contoso-key');
      s.signingKeys[FABRIKAM] = signingKey('fabrikam-key');
    });
    await store.removeTenant(FABRIKAM);
    const system = await readJson<SystemData>(path.join(dir, 'system.json'));
    expect(system.tenantIds).toEqual([CONTOSO]);
    expect(Object.keys(system.signingKeys)).toEqual([CONTOSO]);
    expect(await readdir(path.join(dir, 'gen-1'))).toEqual([`${CONTOSO}.json`]);
    expect(store.tenant(FABRIKAM)).toBeUndefined();
    await expect(store.update(FABRIKAM, () => undefined)).rejects.toThrow(/no tenant/);
    await store.close();
    expect((await open('file', dir)).tenants().map((t) => t.tenant.id)).toEqual([CONTOSO]);
  });

  it('ignores a tenant file system.json does not list (a crash between the two writes)', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    await store.close();
    await writeFile(path.join(dir, 'gen-1', `${NORTHWIND}.json`), JSON.stringify(northwind()));
    const reopened = await open('file', dir);
    expect(reopened.tenants().map((t) => t.tenant.id)).toEqual([CONTOSO, FABRIKAM]);
    await reopened.addTenant(northwind());
    expect(reopened.tenant(NORTHWIND)).toBeDefined();
  });

  it('refuses a duplicate id and an unknown one', async () => {
    const store = await open('file', await tempDir());
    await expect(store.addTenant(state([CONTOSO, 'other']).tenants[0]!)).rejects.toThrow(/exists/);
    await expect(store.removeTenant(NORTHWIND)).rejects.toThrow(/no tenant/);
    // A failed operation does not block the ones after it.
    await store.update(CONTOSO, (t) => void (t.tenant.displayName = 'Still writable'));
    expect(store.tenant(CONTOSO)?.tenant.displayName).toBe('Still writable');
  });

  it('keeps updates to other tenants that run alongside', async () => {
    const dir = await tempDir();
    const store = await open('file', dir);
    await Promise.all([
      store.addTenant(northwind()),
      ...Array.from({ length: 20 }, (_, i) => store.update(CONTOSO, (t) => void t.tenant.licenses.push(`L${i}`))),
      store.removeTenant(FABRIKAM),
    ]);
    expect(store.tenant(CONTOSO)?.tenant.licenses).toHaveLength(20);
    expect((await readTenantFromDisk(dir, 1, CONTOSO)).tenant.licenses).toHaveLength(20);
    expect((await readJson<SystemData>(path.join(dir, 'system.json'))).tenantIds).toEqual([CONTOSO, NORTHWIND]);
  });

  it('works the same in memory, and replace() forgets added tenants', async () => {
    const store = await open('memory', undefined);
    await store.addTenant(northwind());
    expect(store.system().tenantIds).toEqual([CONTOSO, FABRIKAM, NORTHWIND]);
    await store.removeTenant(CONTOSO);
    expect(store.tenants().map((t) => t.tenant.name)).toEqual(['fabrikam', 'northwind']);
    await store.replace(twoTenants());
    expect(store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam']);
  });
});

describe('LowdbStore with memory storage', () => {
  it('writes no files, even when given a directory', async () => {
    const dir = path.join(await tempDir(), 'must-not-exist');
    const store = await open('memory', dir);
    await store.update(CONTOSO, (t) => void (t.tenant.displayName = 'Changed'));
    await store.updateSystem((s) => void (s.signingKeys[CONTOSO] = signingKey('k')));
    await store.replace(twoTenants());
    expect(store.kind).toBe('memory');
    expect(existsSync(dir)).toBe(false);
  });

  it('serves its updates', async () => {
    const store = await open('memory', undefined);
    await store.update(CONTOSO, (t) => void t.tenant.licenses.push('AAD_PREMIUM_P2'));
    expect(store.tenant(CONTOSO)?.tenant.licenses).toEqual(['AAD_PREMIUM_P2']);
  });

  it('keeps the clock and the remaining signing keys across replace()', async () => {
    const store = await open('memory', undefined);
    await store.updateSystem((s) => {
      s.clock = { offsetMs: 60_000, frozenAt: null };
      s.signingKeys[CONTOSO] = signingKey('contoso-key');
      s.signingKeys[FABRIKAM] = signingKey('fabrikam-key');
    });
    await store.replace(state([CONTOSO, 'contoso']));
    expect(store.system().clock).toEqual({ offsetMs: 60_000, frozenAt: null });
    expect(Object.keys(store.system().signingKeys)).toEqual([CONTOSO]);
    expect(store.tenants().map((t) => t.tenant.id)).toEqual([CONTOSO]);
  });
});

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A GroupCommit whose flushes block until the test releases them one by one. */
function gatedCommit() {
  const flushes: Array<ReturnType<typeof deferred>> = [];
  const commit = new GroupCommit(() => {
    const gate = deferred();
    flushes.push(gate);
    return gate.promise;
  });
  return { commit, flushes };
}

/** Records which of the given promises have settled, and how. */
function track(promises: Array<Promise<void>>) {
  const outcomes: Array<'pending' | 'resolved' | 'rejected'> = promises.map(() => 'pending');
  promises.forEach((p, i) =>
    p.then(
      () => void (outcomes[i] = 'resolved'),
      () => void (outcomes[i] = 'rejected'),
    ),
  );
  return outcomes;
}

describe('GroupCommit', () => {
  it('starts a flush at once when nothing is running', () => {
    const { commit, flushes } = gatedCommit();
    void commit.commit();
    expect(flushes).toHaveLength(1);
    flushes[0]!.resolve();
  });

  it('lets 100 commits that arrive during a flush share one next flush: 2 flushes in all', async () => {
    const { commit, flushes } = gatedCommit();
    const first = commit.commit();
    const rest = Array.from({ length: 100 }, () => commit.commit());
    expect(flushes).toHaveLength(1);

    flushes[0]!.resolve();
    await first;
    expect(flushes).toHaveLength(2);

    flushes[1]!.resolve();
    await Promise.all(rest);
    await commit.idle();
    expect(flushes).toHaveLength(2);
  });

  it('does not resolve a commit by a flush that started before it asked', async () => {
    // That flush may not contain its change.
    const { commit, flushes } = gatedCommit();
    const first = commit.commit();
    const second = commit.commit();
    const outcomes = track([first, second]);

    flushes[0]!.resolve();
    await first;
    expect(outcomes).toEqual(['resolved', 'pending']);

    flushes[1]!.resolve();
    await second;
    expect(outcomes).toEqual(['resolved', 'resolved']);
  });

  it('rejects every waiter of a failed flush with its error, and recovers for the next commit', async () => {
    const { commit, flushes } = gatedCommit();
    const first = commit.commit();
    const batch = Array.from({ length: 10 }, () => commit.commit());
    const outcomes = track(batch);

    flushes[0]!.resolve();
    await first;
    const diskFull = new Error('ENOSPC: no space left on device');
    flushes[1]!.reject(diskFull);
    const results = await Promise.allSettled(batch);
    expect(results.every((r) => r.status === 'rejected' && r.reason === diskFull)).toBe(true);
    expect(outcomes.every((o) => o === 'rejected')).toBe(true);

    const next = commit.commit();
    expect(flushes).toHaveLength(3);
    flushes[2]!.resolve();
    await expect(next).resolves.toBeUndefined();
  });

  it('rejects only the batch whose flush failed', async () => {
    const { commit, flushes } = gatedCommit();
    const first = commit.commit();
    const second = commit.commit();
    flushes[0]!.reject(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    flushes[1]!.resolve();
    await expect(second).resolves.toBeUndefined();
    expect(flushes).toHaveLength(2);
  });

  it('is idle once every flush has finished', async () => {
    const { commit, flushes } = gatedCommit();
    const pending = commit.commit();
    let idle = false;
    const idling = commit.idle().then(() => void (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    flushes[0]!.resolve();
    await pending;
    await idling;
    expect(idle).toBe(true);
  });
});
