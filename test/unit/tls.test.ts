import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateTlsMaterial,
  issueLeafCertificate,
  loadOrCreateTlsMaterial,
  normalizeHost,
  requiredHosts,
  type TlsMaterial,
} from '../../src/tls.js';

/** Serves `material` on 127.0.0.1:0 for the duration of `fn`. */
async function withServer<T>(material: TlsMaterial, fn: (port: number) => Promise<T>): Promise<T> {
  const server = https.createServer({ cert: material.certPem, key: material.keyPem }, (_req, res) => {
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** GET `url`; resolves with the body or rejects with the TLS/network error. */
function get(url: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false so no keep-alive socket outlives the server.
    const req = https.get(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('generateTlsMaterial', () => {
  let material: TlsMaterial;
  beforeAll(async () => {
    material = await generateTlsMaterial();
  });

  it('is trusted by Node TLS for https://localhost and https://127.0.0.1 when the CA is supplied', async () => {
    await withServer(material, async (port) => {
      expect(await get(`https://localhost:${port}/`, material.caCertPem)).toBe('ok');
      expect(await get(`https://127.0.0.1:${port}/`, material.caCertPem)).toBe('ok');
    });
  });

  it('is rejected without the CA', async () => {
    await withServer(material, async (port) => {
      const err = await get(`https://127.0.0.1:${port}/`).then(
        () => undefined,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
      expect(err).toBeDefined();
      expect(`${err?.code} ${err?.message}`).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
    });
  });

  it('makes a CA and a leaf with the documented shape', () => {
    const ca = new X509Certificate(material.caCertPem);
    const leaf = new X509Certificate(material.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=entra-pim-emulator local CA');
    expect(ca.subject).toContain('O=entra-pim-emulator');
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toBe('CN=localhost');
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth EKU
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(leaf.checkHost('localhost', { subject: 'never' })).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');

    // notBefore backdated ~1 day; CA ~10 years; leaf 825 days.
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    expect(now - Date.parse(leaf.validFrom)).toBeGreaterThan(day - 60_000);
    expect(Date.parse(leaf.validTo) - now).toBeGreaterThan(824 * day);
    expect(Date.parse(leaf.validTo) - now).toBeLessThan(826 * day);
    expect(Date.parse(ca.validTo) - now).toBeGreaterThan(3649 * day);
  });

  it('uses random serial numbers', async () => {
    const other = await generateTlsMaterial();
    expect(new X509Certificate(other.caCertPem).serialNumber).not.toBe(
      new X509Certificate(material.caCertPem).serialNumber,
    );
    expect(new X509Certificate(other.certPem).serialNumber).not.toBe(
      new X509Certificate(material.certPem).serialNumber,
    );
  });

  it('adds extra hosts as DNS or IP SANs, de-duplicated', async () => {
    const m = await generateTlsMaterial(['pim.example.test', 'PIM.example.test', '10.1.2.3', '[::1]', 'localhost']);
    const leaf = new X509Certificate(m.certPem);
    const san = leaf.subjectAltName ?? '';
    expect(san).toContain('DNS:pim.example.test');
    expect(san).toContain('DNS:localhost');
    expect(san).toContain('IP Address:127.0.0.1');
    expect(san).toContain('IP Address:10.1.2.3');
    expect(leaf.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(san.split(', ')).toHaveLength(5); // localhost, 127.0.0.1, ::1, pim.example.test, 10.1.2.3
  });
});

describe('host normalisation', () => {
  it('canonicalises IPs and names so duplicates collapse', () => {
    expect(normalizeHost('[0:0::1]')).toBe('::1');
    expect(normalizeHost(' Example.TEST. ')).toBe('example.test');
    expect(requiredHosts(['127.0.0.1', 'LOCALHOST', ''])).toEqual(['localhost', '127.0.0.1', '::1']);
  });
});

describe('issueLeafCertificate', () => {
  it('issues a new leaf from an existing CA', async () => {
    const m = await generateTlsMaterial();
    const leaf = await issueLeafCertificate(m, ['pim.example.test']);
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.verify(new X509Certificate(m.caCertPem).publicKey)).toBe(true);
    expect(cert.checkHost('pim.example.test', { subject: 'never' })).toBe('pim.example.test');
    await withServer({ ...m, ...leaf }, async (port) => {
      expect(await get(`https://localhost:${port}/`, m.caCertPem)).toBe('ok');
    });
  });
});

describe('loadOrCreateTlsMaterial', () => {
  const dirs: string[] = [];
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'pim-tls-'));
    dirs.push(dir);
    return dir;
  }
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('creates the four files in an empty (even missing) dir and reuses them afterwards', async () => {
    const dir = join(await tempDir(), 'nested', 'tls');
    const first = await loadOrCreateTlsMaterial(dir);
    expect((await readdir(dir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem']);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(first.caCertPem);
    expect(await readFile(join(dir, 'ca-key.pem'), 'utf8')).toBe(first.caKeyPem);
    expect(await readFile(join(dir, 'cert.pem'), 'utf8')).toBe(first.certPem);
    expect(await readFile(join(dir, 'key.pem'), 'utf8')).toBe(first.keyPem);
    if (process.platform !== 'win32') {
      expect((await stat(join(dir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
    }

    const second = await loadOrCreateTlsMaterial(dir);
    expect(second).toEqual(first);

    await withServer(second, async (port) => {
      expect(await get(`https://localhost:${port}/`, second.caCertPem)).toBe('ok');
    });
  });

  it('keeps the CA but reissues the leaf when a new extra host is required', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateTlsMaterial(dir);
    const second = await loadOrCreateTlsMaterial(dir, ['pim.example.test']);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.caKeyPem).toBe(first.caKeyPem);
    expect(second.certPem).not.toBe(first.certPem);
    expect(second.keyPem).not.toBe(first.keyPem);
    expect(new X509Certificate(second.certPem).subjectAltName).toContain('DNS:pim.example.test');
    expect(await readFile(join(dir, 'cert.pem'), 'utf8')).toBe(second.certPem);

    // Already covered now: no further reissue; no leftover temp files.
    expect(await loadOrCreateTlsMaterial(dir, ['pim.example.test'])).toEqual(second);
    expect((await readdir(dir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem']);
  });

  it('keeps the CA when the leaf is missing or was issued by another CA', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateTlsMaterial(dir);

    await unlink(join(dir, 'key.pem'));
    const afterMissing = await loadOrCreateTlsMaterial(dir);
    expect(afterMissing.caCertPem).toBe(first.caCertPem);
    expect(afterMissing.certPem).not.toBe(first.certPem);

    const foreign = await generateTlsMaterial();
    await writeFile(join(dir, 'cert.pem'), foreign.certPem);
    await writeFile(join(dir, 'key.pem'), foreign.keyPem);
    const afterForeign = await loadOrCreateTlsMaterial(dir);
    expect(afterForeign.caCertPem).toBe(first.caCertPem);
    expect(afterForeign.certPem).not.toBe(foreign.certPem);
    expect(new X509Certificate(afterForeign.certPem).verify(new X509Certificate(first.caCertPem).publicKey)).toBe(
      true,
    );
  });

  // Issue #14: a corrupt CA is never replaced silently (clients that trust it would break); the start is refused.
  it('refuses a CA whose key is missing or corrupt, and makes a new one once both CA files are deleted', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateTlsMaterial(dir);
    await writeFile(join(dir, 'ca-key.pem'), 'garbage');
    await expect(loadOrCreateTlsMaterial(dir)).rejects.toThrow(`${join(dir, 'ca-key.pem')} is not a readable PEM private key`);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(first.caCertPem);
    await unlink(join(dir, 'ca-key.pem'));
    await unlink(join(dir, 'ca.pem'));
    const second = await loadOrCreateTlsMaterial(dir);
    expect(second.caCertPem).not.toBe(first.caCertPem);
    await withServer(second, async (port) => {
      expect(await get(`https://127.0.0.1:${port}/`, second.caCertPem)).toBe('ok');
    });
  });
});
