import type { PolicyRule, TenantData } from '../../directory/model.js';
import { GraphError, graphErrors } from '../errors.js';

/**
 * Shared pieces of PATCH /policies/roleManagementPolicies/{id}/rules/{ruleId} validation: each rule
 * type (one file each, chosen through the map in index.ts) names its properties and checks them.
 */
export interface PatchContext {
  tenant: TenantData;
  /** The stored rule being patched. */
  rule: PolicyRule;
  /** Its Graph type without '#': "microsoft.graph.unifiedRoleManagementPolicyExpirationRule". */
  type: string;
}

/** Checks one property's value and returns it in the form the emulator stores (canonical case). */
export type PropertyCheck = (value: unknown, c: PatchContext) => unknown;

export interface RuleKind {
  properties: Record<string, PropertyCheck>;
  /** Checks across properties, on the rule as it would be after the merge. */
  finish?: (merged: PolicyRule, c: PatchContext) => void;
}

export const invalid = (property: string, type: string, why: string): GraphError => graphErrors.invalidProperty(property, type, why);

export const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** '@odata.type' values compare without the leading '#' and in any case. */
export const sameType = (given: string, expected: string): boolean =>
  given.replace(/^#/, '').toLowerCase() === expected.replace(/^#/, '').toLowerCase();

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function bool(v: unknown, property: string, type: string): boolean {
  if (typeof v !== 'boolean') throw invalid(property, type, `expected true or false, not ${show(v)}`);
  return v;
}

export function integer(v: unknown, property: string, type: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(property, type, `expected a whole number from ${min} to ${max}, not ${show(v)}`);
  return v;
}

/** An enum member given in any case, returned in Graph's spelling. */
export function oneOf<T extends string>(v: unknown, property: string, type: string, values: readonly T[]): T {
  const hit = typeof v === 'string' ? values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
  if (!hit) throw invalid(property, type, `expected one of ${values.join(', ')}, not ${show(v)}`);
  return hit;
}

export function object(v: unknown, property: string, type: string): Record<string, unknown> {
  if (!isObject(v)) throw invalid(property, type, `expected an object, not ${show(v)}`);
  return v;
}

export function array(v: unknown, property: string, type: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(property, type, `expected an array, not ${show(v)}`);
  return v;
}

/** A nested object's own '@odata.type', when given, must name its declared type. */
export function checkNestedType(o: Record<string, unknown>, property: string, type: string, owner: string): void {
  const t = o['@odata.type'];
  if (t === undefined) return;
  if (typeof t !== 'string' || !sameType(t, type)) throw invalid(`${property}/@odata.type`, owner, `expected '#${type}', not ${show(t)}`);
}

export function rejectUnknown(o: Record<string, unknown>, allowed: readonly string[], type: string): void {
  for (const k of Object.keys(o)) if (k !== '@odata.type' && !allowed.includes(k)) throw graphErrors.unknownProperty(k, type);
}
