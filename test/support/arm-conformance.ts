import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { ObservedResponse, Verdict } from './conformance.js';

/**
 * ARM response conformance: every Microsoft.Authorization PIM body the emulator sends in a test
 * (roleEligibility/roleAssignment schedule requests, schedules, instances, role management policies
 * and their assignments, eligibleChildResources; role assignments and role definitions at 2022-04-01) is checked against the definitions of Azure/azure-rest-api-specs,
 * vendored in test/schema/arm/authorization-2020-10-01.json (commits recorded there): types, enums,
 * date-times, required properties, and no property the definition does not declare (the SPEC's
 * objects are open in JSON Schema terms; a property outside them is a mismatch unless listed below
 * with a citation). Errors are checked against the SPEC's CloudError {error: {code, message}}.
 * test/support/conformance.ts feeds ARM responses here.
 */

type Schema = Record<string, unknown>;
export interface ArmOperation {
  operationId: string;
  method: string;
  path: string;
  responses: Record<string, string | null>;
  /** Checked only on requests with this api-version (role assignments: 2022-04-01). */
  apiVersion?: string;
}
interface Extract {
  'x-operations': ArmOperation[];
  'x-operations-role-assignments': ArmOperation[];
  definitions: Record<string, Schema>;
}

export interface ArmBeyondSpec {
  definition: string;
  property: string;
  reason: string;
}

/**
 * Properties the emulator returns beyond the SPEC's definitions, each because the real service
 * returns it. Nothing goes here without a citation.
 */
export const ARM_RETURNED_BEYOND_SPEC: readonly ArmBeyondSpec[] = [
  // Microsoft's "Understand Azure role definitions" lists createdOn, updatedOn, createdBy and updatedBy
  // among a role definition's properties "when displayed using Azure CLI or REST API"; the 2022-04-01
  // SPEC leaves them out (2022-05-01-preview declares them).
  ...['createdOn', 'updatedOn', 'createdBy', 'updatedBy'].map((property) => ({ definition: 'RoleDefinitionProperties', property, reason: 'learn.microsoft.com/azure/role-based-access-control/role-definitions' })),
];

let extract: Extract | undefined;
export function armExtract(): Extract {
  extract ??= JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'test', 'schema', 'arm', 'authorization-2020-10-01.json'), 'utf8')) as Extract;
  return extract;
}

const MARKER = '/providers/microsoft.authorization/';
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** The SPEC operation a request names: '{scope}' stands for whatever precedes /providers/Microsoft.Authorization. */
export function armOperationOf(method: string, url: string): ArmOperation | undefined {
  const [pathOnly] = url.split('?') as [string];
  const at = pathOnly.toLowerCase().lastIndexOf(MARKER);
  if (at < 0) return undefined;
  // A trailing slash names the collection, as the emulator (and ARM) read it.
  const rest = pathOnly.slice(at + MARKER.length).replace(/\/+$/, '').split('/');
  const version = new URLSearchParams(url.split('?')[1] ?? '').get('api-version');
  const e = armExtract();
  return [...e['x-operations'], ...e['x-operations-role-assignments']].find((op) => {
    if (op.method !== method || (op.apiVersion && op.apiVersion !== version)) return false;
    const tail = op.path.split('/providers/Microsoft.Authorization/')[1]!.split('/');
    return tail.length === rest.length && tail.every((s, i) => s === '{name}' || s.toLowerCase() === rest[i]!.toLowerCase());
  });
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const refName = (s: Schema) => (typeof s.$ref === 'string' ? s.$ref.slice('#/definitions/'.length) : undefined);

/** A definition's properties and required list, through $ref and allOf; `names` most derived first. */
function flatten(s: Schema, defs: Record<string, Schema>, acc = { names: [] as string[], properties: new Map<string, Schema>(), required: new Set<string>(), discriminator: undefined as string | undefined }) {
  const name = refName(s);
  if (name) {
    acc.names.push(name);
    const target = defs[name];
    if (!target) throw new Error(`authorization-2020-10-01.json has no definition ${name}`);
    return flatten(target, defs, acc);
  }
  for (const b of (s.allOf as Schema[] | undefined) ?? []) flatten(b, defs, acc);
  for (const [k, v] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) acc.properties.set(k, v);
  for (const r of (s.required as string[] | undefined) ?? []) acc.required.add(r);
  if (typeof s.discriminator === 'string') acc.discriminator = s.discriminator;
  return acc;
}

function check(value: unknown, schema: Schema, defs: Record<string, Schema>, at: string, out: string[]): void {
  // Swagger 2.0 has no nullable: ARM sends null for a property with no value (the SPEC's own
  // examples do, e.g. GetRoleEligibilityScheduleRequestByName's "targetRoleEligibilityScheduleInstanceId": null).
  if (value === null) return;
  const name = refName(schema);
  const resolved = name ? defs[name]! : schema;
  const type = resolved.type as string | undefined;
  const where = at || '/';
  if (type === 'string' || (resolved.enum && !type)) {
    if (typeof value !== 'string') return void out.push(`${where} must be a string (got ${preview(value)})`);
    if (Array.isArray(resolved.enum) && !resolved.enum.includes(value)) out.push(`${where} must be one of ${(resolved.enum as string[]).join(', ')} (got ${preview(value)})`);
    if (resolved.format === 'date-time' && !DATE_TIME.test(value)) out.push(`${where} must be an ISO 8601 date-time (got ${preview(value)})`);
    return;
  }
  if (type === 'boolean') return void (typeof value !== 'boolean' && out.push(`${where} must be a boolean (got ${preview(value)})`));
  if (type === 'integer') return void (!Number.isInteger(value) && out.push(`${where} must be an integer (got ${preview(value)})`));
  if (type === 'array') {
    if (!Array.isArray(value)) return void out.push(`${where} must be an array (got ${preview(value)})`);
    value.forEach((item, i) => check(item, resolved.items as Schema, defs, `${at}/${i}`, out));
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return void out.push(`${where} must be an object (got ${preview(value)})`);
  let flat = flatten(schema, defs);
  const obj = value as Record<string, unknown>;
  if (flat.discriminator) {
    const kind = obj[flat.discriminator];
    const derived = typeof kind === 'string' ? defs[kind] : undefined;
    if (derived && flatten({ $ref: `#/definitions/${kind}` }, defs).names.includes(flat.names[0]!)) flat = flatten({ $ref: `#/definitions/${kind}` }, defs);
    else out.push(`${at}/${flat.discriminator} names no definition derived from ${flat.names[0]} (got ${preview(kind)})`);
  }
  for (const r of flat.required) if (!(r in obj)) out.push(`${at}/${r} is required by ${flat.names[0] ?? 'the SPEC'}`);
  for (const [k, v] of Object.entries(obj)) {
    const p = flat.properties.get(k);
    if (p) check(v, p, defs, `${at}/${k}`, out);
    else if (!ARM_RETURNED_BEYOND_SPEC.some((a) => a.property === k && flat.names.includes(a.definition))) {
      out.push(`${at}/${k} is not a property of ${flat.names[0] ?? 'the SPEC object'} (got ${preview(v)}); fix the emulator, or list it in ARM_RETURNED_BEYOND_SPEC citing the reference`);
    }
  }
}

/** The mismatches of a value against a definition of the extract (for tests of the checker itself). */
export function checkArmDefinition(definition: string, value: unknown): string[] {
  const out: string[] = [];
  check(value, { $ref: `#/definitions/${definition}` }, armExtract().definitions, '', out);
  return out;
}

/**
 * Checks one response against the SPEC: Microsoft.Authorization PIM paths and role assignments at
 * api-version 2022-04-01 (role assignments and role definitions at other versions are skipped: not
 * in the extract), JSON bodies; 2xx
 * against the operation's response definition, 4xx/5xx against CloudError.
 */
export function checkArmResponse(r: ObservedResponse): Verdict {
  const skip = (why: string): Verdict => ({ validated: false, against: why, mismatches: [] });
  const [pathOnly] = r.url.split('?') as [string];
  if (!pathOnly.toLowerCase().includes(MARKER)) return skip('not Microsoft.Authorization');
  const op = armOperationOf(r.method, r.url);
  const label = `${r.method} ${r.url} ${r.status}`;
  const defs = armExtract().definitions;
  if (r.status >= 400) {
    // Refusals on paths the SPEC has no operation for (other types, 405s) are ARM's envelope too.
    if (!r.body) return { validated: true, against: 'CloudError', mismatches: [`${label}: an ARM error without a body`] };
    const out: string[] = [];
    let body: unknown;
    try { body = JSON.parse(r.body); } catch { return { validated: true, against: 'CloudError', mismatches: [`${label}: the error body is not JSON`] }; }
    check(body, { $ref: '#/definitions/CloudError' }, defs, '', out);
    const error = (body as { error?: Record<string, unknown> } | null)?.error;
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string' || !error.message) out.push('/error must carry a code and a message');
    return { validated: true, against: 'CloudError', mismatches: out.map((x) => `${label}: ${x}`) };
  }
  if (!op) return skip('not in the 2020-10-01 extract');
  if (r.status < 200 || r.status >= 300) return skip(`status ${r.status}`);
  const against = `${op.operationId} ${r.status}`;
  if (!(String(r.status) in op.responses)) return { validated: true, against, mismatches: [`${label}: the SPEC declares no ${r.status} response for ${op.operationId} (it declares ${Object.keys(op.responses).join(', ')})`] };
  const definition = op.responses[String(r.status)];
  if (definition === null) {
    return { validated: true, against, mismatches: r.body ? [`${label}: the SPEC declares ${r.status} for ${op.operationId} without a body, but the emulator sent ${preview(r.body)}`] : [] };
  }
  if (!(r.contentType ?? '').includes('json')) return { validated: true, against, mismatches: [`${label}: expected a JSON ${definition}, got Content-Type ${r.contentType}`] };
  let body: unknown;
  try { body = JSON.parse(r.body); } catch { return { validated: true, against, mismatches: [`${label}: the body is not JSON`] }; }
  const out: string[] = [];
  check(body, { $ref: `#/definitions/${definition}` }, defs, '', out);
  return { validated: true, against, mismatches: out.map((x) => `${label}: ${x}`) };
}
