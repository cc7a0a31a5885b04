/**
 * Local TLS material for the emulator's HTTPS listener.
 *
 * MSAL, @azure/identity and Node's TLS stack refuse plain HTTP authorities and
 * self-signed leaves, so the emulator mints its own small PKI: a long-lived
 * local CA (which users trust once via NODE_EXTRA_CA_CERTS) and a short-lived
 * leaf for localhost / 127.0.0.1 / ::1 / the PIM_PUBLIC_URL host. The leaf can
 * be reissued at will without users re-trusting anything, as long as the CA is
 * kept.
 *
 * Everything here uses the real wall clock, never the emulator clock: clients
 * check certificate validity against real time.
 */
import { wallClock } from './clock.js';
import { X509Certificate as NodeX509, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './store/atomic-file.js';
import { StartupError } from './startup.js';
import type * as X509 from '@peculiar/x509';

// Key types as @peculiar/x509 declares them (DOM WebCrypto), derived from its own
// signatures so this file compiles with or without the DOM lib; at runtime they are
// Node's webcrypto objects.
type X509CryptoKey = X509.X509CertificateCreateWithKeyParams['signingKey'];
type X509CryptoKeyPair = X509.X509CertificateCreateSelfSignedParams['keys'];
type X509Crypto = ReturnType<typeof X509.cryptoProvider.get>;

let x509Module: Promise<typeof X509> | undefined;
/**
 * Loads @peculiar/x509 lazily (only a first start needs it) and points it at Node's WebCrypto.
 * Its dependency tsyringe needs a Reflect metadata polyfill loaded first: reflect-metadata.
 */
function loadX509(): Promise<typeof X509> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);
    return x509;
  })();
  return x509Module;
}

export interface TlsMaterial {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

/** A CA certificate and its private key, both PEM. */
export interface CaMaterial {
  caCertPem: string;
  caKeyPem: string;
}

/** A leaf certificate and its private key, both PEM. */
export interface LeafMaterial {
  certPem: string;
  keyPem: string;
}

/** Hosts every leaf must cover, whatever the configuration. */
export const DEFAULT_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** File names inside the TLS directory. */
export const TLS_FILES = {
  caCertPem: 'ca.pem',
  caKeyPem: 'ca-key.pem',
  certPem: 'cert.pem',
  keyPem: 'key.pem',
} as const satisfies Record<keyof TlsMaterial, string>;

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
// 825 days is the longest leaf lifetime Apple platforms accept; other clients don't care.
const LEAF_VALIDITY_DAYS = 825;
// Renew this long before expiry so a running emulator never serves an expired leaf.
const RENEW_BEFORE_MS = 30 * DAY_MS;
// Backdate notBefore to tolerate clock skew between machines / containers.
const BACKDATE_MS = DAY_MS;

const CA_SUBJECT = 'CN=entra-pim-emulator local CA, O=entra-pim-emulator';
const LEAF_SUBJECT = 'CN=localhost';

const EC_P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/**
 * Canonical form of a host so that de-duplication and SAN checks agree:
 * lower-cased, IPv6 brackets (as in URL.hostname) stripped, and IP literals
 * normalised through the WHATWG URL parser (e.g. "0:0::1" -> "::1").
 */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && isIP(h) === 0) h = h.slice(0, -1); // "example.test." is the same name
  const family = isIP(h);
  if (family === 4) return new URL(`http://${h}/`).hostname;
  if (family === 6) return new URL(`http://[${h}]/`).hostname.slice(1, -1);
  return h;
}

/** The de-duplicated list of hosts a leaf must carry: the defaults plus `extraHosts`. */
export function requiredHosts(extraHosts: readonly string[] = []): string[] {
  const hosts = [...DEFAULT_HOSTS, ...extraHosts].map(normalizeHost).filter((h) => h !== '');
  return [...new Set(hosts)];
}

/** Positive, non-zero-leading random serial (RFC 5280 wants positive, at most 20 octets). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function exportPrivateKeyPem(key: X509CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/**
 * Imports a PEM private key (PKCS#8 or SEC1/PKCS#1) as a WebCrypto signing key.
 * Accepts EC and RSA so a CA a user placed there themselves is still usable.
 */
async function importSigningKey(keyPem: string): Promise<X509CryptoKey> {
  const keyObject = createPrivateKey(keyPem);
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  let algorithm: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  if (keyObject.asymmetricKeyType === 'ec') {
    const curves: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
    const namedCurve = curves[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!namedCurve) throw new Error(`unsupported EC curve ${keyObject.asymmetricKeyDetails?.namedCurve}`);
    algorithm = { name: 'ECDSA', namedCurve };
  } else if (keyObject.asymmetricKeyType === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else {
    throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType}`);
  }
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return key as unknown as X509CryptoKey;
}

/** Generates a fresh local CA (10 years, ECDSA P-256). */
export async function generateCa(): Promise<CaMaterial> {
  const x509 = await loadX509();
  const now = wallClock();
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as unknown as X509CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: CA_SUBJECT,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { caCertPem: cert.toString('pem'), caKeyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Issues a leaf (CN=localhost, serverAuth, 825 days, ECDSA P-256) signed by
 * `ca`, with SANs for the default hosts plus `extraHosts`. The leaf never
 * outlives its CA, since clients would reject the chain after the CA expires.
 */
export async function issueLeafCertificate(ca: CaMaterial, extraHosts: readonly string[] = []): Promise<LeafMaterial> {
  const x509 = await loadX509();
  const now = wallClock();
  const caCert = new x509.X509Certificate(ca.caCertPem);
  const caKey = await importSigningKey(ca.caKeyPem);
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as unknown as X509CryptoKeyPair;

  const sans: X509.JsonGeneralName[] = requiredHosts(extraHosts).map((host) => ({
    type: isIP(host) === 0 ? 'dns' : 'ip',
    value: host,
  }));
  const notAfter = Math.min(now + LEAF_VALIDITY_DAYS * DAY_MS, caCert.notAfter.getTime());

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: LEAF_SUBJECT,
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      // Lets OpenSSL and others pick the right issuer when several local CAs are trusted.
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Memory storage: one CA per process (and a leaf per host list), made on first use and reused by
 * every emulator the process starts, so a test suite's emulators don't each make a CA; file storage
 * keeps its CA on disk instead (loadOrCreateTlsMaterial).
 */
const memoryMaterial = new Map<string, Promise<TlsMaterial>>();
let memoryCa: Promise<CaMaterial> | undefined;
export function memoryTlsMaterial(extraHosts: string[] = []): Promise<TlsMaterial> {
  const key = requiredHosts(extraHosts).join(' ');
  let material = memoryMaterial.get(key);
  if (!material) {
    const ca = (memoryCa ??= generateCa());
    material = ca.then(async (c) => ({ ...c, ...(await issueLeafCertificate(c, extraHosts)) }));
    material.catch(() => {
      memoryMaterial.delete(key);
      if (memoryCa === ca) memoryCa = undefined;
    });
    memoryMaterial.set(key, material);
  }
  return material;
}

/**
 * Memory storage started from the command line: the state stays in memory, but the CA is kept in
 * PIM_DATA/tls as file storage keeps it, so a client that trusted it keeps trusting it after a
 * restart and a start makes no CA. Where that directory cannot be written (a read-only file
 * system), the CA is made in memory for this process, as before.
 */
export async function memoryStorageTlsMaterial(dir: string, extraHosts: string[] = []): Promise<TlsMaterial> {
  try {
    return await loadOrCreateTlsMaterial(dir, extraHosts);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC') return memoryTlsMaterial(extraHosts);
    throw e;
  }
}

/** Generates a brand-new CA and a leaf signed by it. */
export async function generateTlsMaterial(extraHosts: string[] = []): Promise<TlsMaterial> {
  const ca = await generateCa();
  const leaf = await issueLeafCertificate(ca, extraHosts);
  return { ...ca, ...leaf };
}

/** True when the CA parses, is a CA, matches its key, is signable-with and is not about to expire. */
/** What is wrong with the CA files on disk, if anything (expiry aside: an expiring CA is renewed). */
async function caProblem(caCertPem: string | undefined, caKeyPem: string | undefined): Promise<{ file: string; what: string } | undefined> {
  if (caCertPem === undefined) return { file: TLS_FILES.caCertPem, what: `is missing while ${TLS_FILES.caKeyPem} exists` };
  if (caKeyPem === undefined) return { file: TLS_FILES.caKeyPem, what: `is missing while ${TLS_FILES.caCertPem} exists` };
  let cert: NodeX509;
  try {
    cert = new NodeX509(caCertPem);
  } catch {
    return { file: TLS_FILES.caCertPem, what: 'is not a readable PEM certificate (truncated or corrupt)' };
  }
  if (!cert.ca) return { file: TLS_FILES.caCertPem, what: 'is not a CA certificate' };
  let key;
  try {
    key = createPrivateKey(caKeyPem);
  } catch {
    return { file: TLS_FILES.caKeyPem, what: 'is not a readable PEM private key (truncated or corrupt)' };
  }
  if (!cert.checkPrivateKey(key)) return { file: TLS_FILES.caKeyPem, what: `is not the private key of ${TLS_FILES.caCertPem}` };
  try {
    await importSigningKey(caKeyPem);
  } catch {
    return { file: TLS_FILES.caKeyPem, what: 'cannot sign certificates (not an ECDSA/RSA key the emulator can use)' };
  }
  return undefined;
}

function corruptCa(dir: string, file: string, what: string): StartupError {
  const dataDir = dirname(dir);
  return new StartupError(
    `${join(dir, file)} ${what}. The emulator will not make a new CA over it on its own: every client that trusts the ` +
      `current one (NODE_EXTRA_CA_CERTS, a trust store) would stop connecting. Restore ${file} from a backup; or delete ` +
      `${join(dir, TLS_FILES.caCertPem)} and ${join(dir, TLS_FILES.caKeyPem)} to make a new CA on the next start (then trust the new ` +
      `one: pim-emulator ca, or GET /_emulator/ca.pem); or delete the data directory ${dataDir} to start over. Nothing was changed.`,
  );
}

async function isUsableCa(ca: CaMaterial, now: number): Promise<boolean> {
  try {
    const cert = new NodeX509(ca.caCertPem);
    if (!cert.ca) return false;
    if (!cert.checkPrivateKey(createPrivateKey(ca.caKeyPem))) return false;
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false;
    await importSigningKey(ca.caKeyPem); // we must be able to sign leaves with it
    return true;
  } catch {
    return false; // unreadable/corrupt material is treated as absent
  }
}

/** True when the leaf is issued by `caCertPem`, matches its key, covers every host and is not about to expire. */
function isUsableLeaf(leaf: LeafMaterial, caCertPem: string, hosts: readonly string[], now: number): boolean {
  try {
    const cert = new NodeX509(leaf.certPem);
    const caCert = new NodeX509(caCertPem);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(leaf.keyPem))) return false;
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false;
    // Use the same matching rules Node's TLS client applies (checkServerIdentity).
    return hosts.every((host) =>
      isIP(host) === 0 ? cert.checkHost(host, { subject: 'never' }) !== undefined : cert.checkIP(host) !== undefined,
    );
  } catch {
    return false;
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Loads the TLS material from `dir`, (re)creating whatever is missing or
 * unfit. The CA is kept whenever it is still usable so users who trusted it
 * keep working; only the leaf is reissued (e.g. when PIM_PUBLIC_URL changes).
 */
export async function loadOrCreateTlsMaterial(dir: string, extraHosts: string[] = []): Promise<TlsMaterial> {
  // 0700: the directory holds the CA private key.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [caCertPem, caKeyPem, certPem, keyPem] = await Promise.all(
    [TLS_FILES.caCertPem, TLS_FILES.caKeyPem, TLS_FILES.certPem, TLS_FILES.keyPem].map((name) =>
      readOptional(join(dir, name)),
    ),
  );
  const now = wallClock();
  const hosts = requiredHosts(extraHosts);

  // A CA on disk that cannot be used is never replaced silently: every client that trusts it would break.
  if (caCertPem !== undefined || caKeyPem !== undefined) {
    const problem = await caProblem(caCertPem, caKeyPem);
    if (problem) throw corruptCa(dir, problem.file, problem.what);
  }

  let ca: CaMaterial | undefined;
  if (caCertPem !== undefined && caKeyPem !== undefined && (await isUsableCa({ caCertPem, caKeyPem }, now))) {
    ca = { caCertPem, caKeyPem };
    if (certPem !== undefined && keyPem !== undefined && isUsableLeaf({ certPem, keyPem }, caCertPem, hosts, now)) {
      return { caCertPem, caKeyPem, certPem, keyPem };
    }
  }

  const newCa = ca === undefined;
  ca ??= await generateCa();
  const leaf = await issueLeafCertificate(ca, hosts);

  // Write the CA first: if we crash before the leaf lands, the next start
  // sees a leaf not issued by this CA and simply reissues it.
  if (newCa) {
    await writeFileAtomic(join(dir, TLS_FILES.caKeyPem), ca.caKeyPem, 0o600);
    await writeFileAtomic(join(dir, TLS_FILES.caCertPem), ca.caCertPem, 0o644);
  }
  await writeFileAtomic(join(dir, TLS_FILES.keyPem), leaf.keyPem, 0o600);
  await writeFileAtomic(join(dir, TLS_FILES.certPem), leaf.certPem, 0o644);
  return { ...ca, ...leaf };
}
