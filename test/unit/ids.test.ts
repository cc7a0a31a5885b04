import { describe, expect, it } from 'vitest';
import { dotNetGuidBytes, eligibilityInstanceId, GUID, isGuid, newGuid, roleAssignmentId, stableGuid } from '../../src/ids.js';

/**
 * The inverse of .NET's Guid.ToByteArray(): the first three groups are little-endian,
 * the last two are in order. Written here independently of src/ids.ts.
 */
function guidFromDotNetBytes(bytes: Buffer): string {
  const hex = (b: Buffer) => b.toString('hex');
  const le = (from: number, to: number) => hex(Buffer.from(bytes.subarray(from, to)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`;
}

/** Splits a real Graph role assignment id (without its "-1") into the role and principal it names. */
function decodeAssignmentKey(key: string): { role: string; principal: string } {
  const bytes = Buffer.from(key, 'base64url');
  expect(bytes).toHaveLength(32);
  return { role: guidFromDotNetBytes(bytes.subarray(0, 16)), principal: guidFromDotNetBytes(bytes.subarray(16, 32)) };
}

describe('roleAssignmentId', () => {
  // Real ids from Microsoft Graph (reference §2.5).
  const globalAdmin = decodeAssignmentKey('lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg');
  const userAdmin = decodeAssignmentKey('5wuT_mJe20eRr5jDpJo4sUZl7gMT8cVOup3lc4GwySg');

  it('is built from the role first and the principal second', () => {
    expect(globalAdmin.role).toBe('62e90394-69f5-4237-9190-012177145e10');
    expect(globalAdmin.principal.startsWith('6be4b305-')).toBe(true);
    expect(userAdmin.role).toBe('fe930be7-5e62-47db-91af-98c3a49a38b1');
    expect(userAdmin.principal.startsWith('03ee6546-')).toBe(true);
  });

  it("reproduces Graph's id for a Global Administrator assignment", () => {
    expect(roleAssignmentId('62e90394-69f5-4237-9190-012177145e10', globalAdmin.principal)).toBe(
      'lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1',
    );
  });

  it("reproduces Graph's id for a User Administrator assignment", () => {
    expect(roleAssignmentId('fe930be7-5e62-47db-91af-98c3a49a38b1', userAdmin.principal)).toBe(
      '5wuT_mJe20eRr5jDpJo4sUZl7gMT8cVOup3lc4GwySg-1',
    );
  });

  it('gives the same id whatever the case of the GUIDs', () => {
    expect(roleAssignmentId('62E90394-69F5-4237-9190-012177145E10', globalAdmin.principal.toUpperCase())).toBe(
      'lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1',
    );
  });

  it('is URL-safe: no +, / or = padding', () => {
    for (let i = 0; i < 50; i++) expect(roleAssignmentId(newGuid(), newGuid())).toMatch(/^[A-Za-z0-9_-]{43}-1$/);
  });

  it('differs when role and principal swap places', () => {
    const a = newGuid();
    const b = newGuid();
    expect(roleAssignmentId(a, b)).not.toBe(roleAssignmentId(b, a));
  });
});

describe('eligibilityInstanceId', () => {
  it("reproduces Graph's eligibility instance id: the assignment id with -1-e", () => {
    // Observed in a real tenant (reference §2.5, LAB 67657175704).
    const { role, principal } = decodeAssignmentKey('5wuT_mJe20eRr5jDpJo4sUZl7gMT8cVOup3lc4GwySg');
    expect(eligibilityInstanceId(role, principal)).toBe('5wuT_mJe20eRr5jDpJo4sUZl7gMT8cVOup3lc4GwySg-1-e');
  });

  it('always ends with -1-e', () => {
    expect(eligibilityInstanceId(newGuid(), newGuid())).toMatch(/^[A-Za-z0-9_-]{43}-1-e$/);
  });
});

describe('dotNetGuidBytes', () => {
  it('puts the first three groups in little-endian order and keeps the rest', () => {
    expect(dotNetGuidBytes('00112233-4455-6677-8899-aabbccddeeff').toString('hex')).toBe('33221100554477668899aabbccddeeff');
  });
});

describe('stableGuid', () => {
  it('gives the same GUID for the same name on every call', () => {
    expect(stableGuid('roleManagementPolicy', 'tenant', 'role')).toBe(stableGuid('roleManagementPolicy', 'tenant', 'role'));
  });

  it('is a valid GUID with the version 5 and RFC 4122 variant bits set', () => {
    const id = stableGuid('anything');
    expect(isGuid(id)).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs for different names', () => {
    const ids = new Set(['a', 'b', 'c', 'tenant-1', 'tenant-2'].map((n) => stableGuid('policy', n)));
    expect(ids.size).toBe(5);
  });

  it('keeps the parts apart: ("ab", "c") is not ("a", "bc")', () => {
    expect(stableGuid('ab', 'c')).not.toBe(stableGuid('a', 'bc'));
  });
});

describe('newGuid', () => {
  it('makes a fresh GUID each time', () => {
    const a = newGuid();
    expect(a).toMatch(GUID);
    expect(newGuid()).not.toBe(a);
  });
});

describe('isGuid', () => {
  it('accepts GUIDs in either case and rejects anything else', () => {
    expect(isGuid('62e90394-69f5-4237-9190-012177145e10')).toBe(true);
    expect(isGuid('62E90394-69F5-4237-9190-012177145E10')).toBe(true);
    expect(isGuid('{62e90394-69f5-4237-9190-012177145e10}')).toBe(false);
    expect(isGuid('62e9039469f542379190012177145e10')).toBe(false);
    expect(isGuid(42)).toBe(false);
    expect(isGuid(undefined)).toBe(false);
  });
});
