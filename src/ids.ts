import { createHash, randomUUID } from 'node:crypto';

export const newGuid = (): string => randomUUID();

/**
 * A stable GUID derived from a name (UUID version 5 layout over SHA-1), so derived objects
 * such as default policies get the same id on every run without being spelled out in the seed.
 */
export function stableGuid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: unknown): s is string => typeof s === 'string' && GUID.test(s);

/** A GUID's 16 bytes in .NET's order (first three groups little-endian), as Microsoft encodes them. */
export function dotNetGuidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]);
}

/**
 * The id Graph gives a tenant-wide role assignment (and its active instance):
 * base64url(roleDefinitionId ‖ principalId) + "-1" — reference §2.5, verified against real ids
 * such as lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1.
 */
export function roleAssignmentId(roleDefinitionId: string, principalId: string): string {
  const bytes = Buffer.concat([dotNetGuidBytes(roleDefinitionId), dotNetGuidBytes(principalId)]);
  return `${bytes.toString('base64url')}-1`;
}

/** Eligibility instances carry the same id with "-1-e" (reference §2.5, LAB 67657175704). */
export const eligibilityInstanceId = (roleDefinitionId: string, principalId: string): string =>
  `${roleAssignmentId(roleDefinitionId, principalId)}-e`;
