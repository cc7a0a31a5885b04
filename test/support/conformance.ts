import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { PACKAGE_ROOT } from '../../src/config.js';
import { checkAgainstMicrosoft } from './msgraph-schema.js';
import { checkArmResponse } from './arm-conformance.js';

/**
 * Response conformance: every Graph JSON body the emulator sends in a test is checked against
 * openapi.yaml — the operation's response schema (Microsoft's, from the CSDL) through ajv, and
 * no property beyond what that schema declares (ajv cannot see those: the schemas are open).
 * test/support/emulator.ts feeds every response here; test/support/conformance-setup.ts fails
 * the test that received a mismatching body.
 */

/** What the emulator's `observe` option sees of one response (src/emulator.ts). */
export interface ObservedResponse {
  method: string;
  url: string;
  routeUrl: string | undefined;
  status: number;
  contentType: string | undefined;
  body: string;
}

export interface BeyondSchema {
  /** The Graph type whose schema lacks the property (a base type covers its derived types). */
  type: string;
  property: string;
  /** Only on these Graph versions (default: both). */
  versions?: ReadonlyArray<'v1.0' | 'beta'>;
  /** Why the emulator returns it anyway: cite the reference. */
  reason: string;
}

/**
 * Properties the emulator returns that the v1.0 schema in openapi.yaml does not declare, each
 * because the real service returns it. Nothing goes here without a citation; anything else the
 * emulator returns beyond the schema is a mismatch.
 */
export const RETURNED_BEYOND_SCHEMA: readonly BeyondSchema[] = [
  {
    type: 'microsoft.graph.unifiedRoleAssignment',
    property: 'resourceScope',
    reason: 'reference §2.5: roleAssignments responses include resourceScope, not in the v1.0 schema (GDC api/rbacapplication-list-roleassignments.md)',
  },
  {
    type: 'microsoft.graph.unifiedRoleDefinition',
    property: 'isPrivileged',
    versions: ['beta'],
    reason: 'reference §6: isPrivileged exists only in beta (unifiedRoleDefinition beta type mapping, MD); /beta is checked against the v1.0 schema',
  },
  {
    type: 'microsoft.graph.privilegedAccessGroupEligibilitySchedule',
    property: 'assignmentType',
    reason: "Microsoft's CSDL declares targetSchedule of privilegedAccessGroupAssignmentScheduleRequest as a privilegedAccessGroupEligibilitySchedule (metadata/graph-v1.0.xml), yet an assignment request's target (its targetScheduleId, pim-groups-reference §2.2) is an assignment schedule, which has assignmentType: $expand=targetSchedule returns that schedule",
  },
  {
    type: 'microsoft.graph.approval',
    property: 'steps',
    versions: ['beta'],
    reason: "pim-groups-reference §1: beta's approval navigation is steps (beta cmdlet …AssignmentApprovalStep), v1.0's stages; /beta is checked against the v1.0 schema",
  },
];

type Schema = Record<string, unknown>;

const SCHEMA_ID = 'https://entra-pim-emulator.local/openapi.json';
const COMPONENT = '#/components/schemas/';
/** Marks a Microsoft open type (CSDL OpenType: `additionalProperties` without the subset note). */
const OPEN = Symbol('open type');

interface Operation {
  method: string;
  /** OpenAPI path. */
  path: string;
  /** Segments with every parameter as '{}'. */
  segments: string[];
  responses: Record<string, unknown>;
}

interface Model {
  ajv: Ajv;
  schemas: Record<string, Schema>;
  operations: Operation[];
  responses: Record<string, Schema>;
}

let model: Model | undefined;

/** openapi.yaml, preprocessed for ajv once per test file (lazily: unit tests never pay for it). */
function load(): Model {
  if (model) return model;
  const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    components: { schemas: Record<string, Schema>; responses: Record<string, Schema> };
  };
  const seen = new Map<object, unknown>();
  const schemas = Object.fromEntries(Object.entries(doc.components.schemas).map(([k, v]) => [k, prepare(v, seen) as Schema]));
  const responses = Object.fromEntries(Object.entries(doc.components.responses).map(([k, v]) => [k, prepare(v, seen) as Schema]));
  const operations: Operation[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      operations.push({ method: method.toUpperCase(), path: p, segments: shape(p), responses: prepare(op.responses, seen) as Record<string, unknown> });
    }
  }
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, validateSchema: false });
  ajv.addSchema({ $id: SCHEMA_ID, components: { schemas } });
  model = { ajv, schemas, operations, responses };
  return model;
}

/**
 * Microsoft's OpenAPI dialect → what ajv checks faithfully:
 * - `nullable: true` → a 'null' type (ajv would honour `nullable`, but say "must be string" for a
 *   wrong value; 'string,null' says what is allowed);
 * - `anyOf: [$ref, {type: object, nullable: true}]` (Microsoft's "nullable reference") → `anyOf: [$ref, {type: 'null'}]`;
 *   as written, the second branch accepts any object and nothing under it would be checked;
 * - '@odata.type' dropped from `required` (the CSDL-derived schemas require it; Graph sends it only on
 *   derived or expanded objects), `discriminator` ignored (the extra-property walk follows @odata.type);
 * - `additionalProperties: {type: object}` removed: Microsoft's marker of an open type (dynamic
 *   properties of any JSON type), kept as a mark for the walk unless the schema is the extract's
 *   reduced subset (user, group, …), where a property outside the subset must be accounted for.
 * - `$ref`s made absolute so response schemas compile on their own against the added components.
 */
function prepare(node: unknown, seen: Map<object, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => prepare(n, seen));
  if (!node || typeof node !== 'object') return node;
  // YAML aliases share objects; keep sharing so compiled validators are reused.
  if (seen.has(node)) return seen.get(node);
  const src = node as Schema;
  const out: Schema = {};
  seen.set(node, out);
  for (const [k, v] of Object.entries(src)) {
    if (k === 'discriminator' || k === 'nullable') continue;
    if (k === 'additionalProperties' && v !== false) {
      if (!('x-subset-note' in src)) (out as Record<symbol, boolean>)[OPEN] = true;
      continue;
    }
    if (k === 'required' && Array.isArray(v)) {
      const kept = v.filter((p) => p !== '@odata.type');
      if (kept.length) out.required = kept;
      continue;
    }
    if (k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENT)) {
      out.$ref = `${SCHEMA_ID}${v}`;
      continue;
    }
    if (k === 'properties' && v && typeof v === 'object') {
      // A map of names to schemas, not a schema: a property named 'required' or 'nullable' stays as it is.
      out.properties = Object.fromEntries(Object.entries(v as Schema).map(([name, sub]) => [name, prepare(sub, seen)]));
      continue;
    }
    if (k === 'anyOf' && Array.isArray(v)) {
      out.anyOf = v.map((b) => (isNullPlaceholder(b) ? { type: 'null' } : prepare(b, seen)));
      continue;
    }
    out[k] = prepare(v, seen);
  }
  if (src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else if (out.$ref || out.allOf || out.anyOf || out.oneOf) {
      const { $ref, allOf, anyOf, oneOf, ...rest } = out;
      const inner: Schema = Object.fromEntries(Object.entries({ $ref, allOf, anyOf, oneOf }).filter(([, x]) => x !== undefined));
      for (const k of Object.keys(out)) delete out[k];
      Object.assign(out, rest, { anyOf: [inner, { type: 'null' }] });
    }
  }
  return out;
}

function isNullPlaceholder(b: unknown): boolean {
  if (!b || typeof b !== 'object') return false;
  const keys = Object.keys(b);
  return keys.length === 2 && (b as Schema).type === 'object' && (b as Schema).nullable === true;
}

/** '/v1.0/users/{user-id}' and '/v1.0/users/:id' → ['v1.0', 'users', '{}']. */
function shape(p: string): string[] {
  return p.split('/').filter(Boolean).map((s) => (/^\{[^}]*\}$/.test(s) || s.startsWith(':') || s === '*' ? '{}' : s));
}

function findOperation(m: Model, method: string, template: string[] | undefined, actual: string[]): Operation | undefined {
  const candidates = m.operations.filter((o) => o.method === method && o.segments.length === (template ?? actual).length);
  if (template) return candidates.find((o) => o.segments.every((s, i) => s === template[i]));
  // No Fastify route (the not-found handler): match the path itself, static segments first.
  const matches = candidates.filter((o) => o.segments.every((s, i) => s === '{}' || s === actual[i]));
  return matches.sort((a, b) => a.segments.filter((s) => s === '{}').length - b.segments.filter((s) => s === '{}').length)[0];
}

function responseSchema(m: Model, op: Operation, status: number): Schema | undefined | null {
  const r = (op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default) as Schema | undefined;
  if (!r) return undefined;
  const resolved = typeof r.$ref === 'string' ? m.responses[r.$ref.split('/').pop()!] : r;
  const content = resolved?.content as Record<string, { schema?: Schema }> | undefined;
  // null: the operation declares this status without a JSON body.
  return content?.['application/json']?.schema ?? null;
}

const compiled = new WeakMap<object, ValidateFunction>();
function validatorFor(m: Model, schema: Schema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = m.ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}
const componentRefs = new Map<string, Schema>();
/** A (cached, so compiled once) reference to components.schemas[name]. */
function component(name: string): Schema {
  let ref = componentRefs.get(name);
  if (!ref) {
    ref = { $ref: `${SCHEMA_ID}${COMPONENT}${name}` };
    componentRefs.set(name, ref);
  }
  return ref;
}

/** ajv errors → "/value/3/version must be string,null (got 1)", without anyOf's echo of the null branch. */
function explain(errors: readonly ErrorObject[], prefix: string, data: unknown): string[] {
  const meaningful = errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'));
  return (meaningful.length ? meaningful : errors).map((e) => {
    const where = `${prefix}${e.instancePath}` || '/';
    const got = valueAt(data, e.instancePath);
    const extra = e.keyword === 'enum' ? `: ${(e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}` : '';
    const shown = e.keyword === 'required' ? '' : ` (got ${preview(got)})`;
    return `${where} ${e.message ?? e.keyword}${extra}${shown} [${e.keyword}]`;
  });
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A schema flattened through $ref/allOf/anyOf: the properties an object under it may carry. */
interface Flat {
  /** Component names met, most derived first: ['microsoft.graph.user', 'microsoft.graph.directoryObject', …]. */
  types: string[];
  properties: Map<string, Schema>;
  items: Schema | undefined;
  open: boolean;
  declaresProperties: boolean;
}

function flatten(m: Model, schema: Schema, acc: Flat = { types: [], properties: new Map(), items: undefined, open: false, declaresProperties: false }, depth = 0): Flat {
  if (depth > 50) return acc;
  if ((schema as Record<symbol, unknown>)[OPEN]) acc.open = true;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.slice(schema.$ref.indexOf(COMPONENT) + COMPONENT.length);
    acc.types.push(name);
    const target = m.schemas[name];
    if (target) flatten(m, target, acc, depth + 1);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const b of list as Schema[]) if (b.type !== 'null') flatten(m, b, acc, depth + 1);
  }
  if (schema.properties && typeof schema.properties === 'object') {
    acc.declaresProperties = true;
    for (const [k, v] of Object.entries(schema.properties as Record<string, Schema>)) acc.properties.set(k, v);
  }
  if (schema.items && typeof schema.items === 'object' && !acc.items) acc.items = schema.items as Schema;
  return acc;
}

interface WalkContext {
  m: Model;
  version: 'v1.0' | 'beta';
  out: string[];
}

/**
 * Every property of every object must be declared by the schema the object is validated against
 * (or by the derived type its @odata.type names), be an @odata annotation, or be allow-listed.
 */
function walk(ctx: WalkContext, value: unknown, schema: Schema, pointer: string): void {
  if (value === null || typeof value !== 'object') return;
  let flat = flatten(ctx.m, schema);
  if (Array.isArray(value)) {
    if (flat.items) value.forEach((item, i) => walk(ctx, item, flat.items!, `${pointer}/${i}`));
    return;
  }
  const obj = value as Record<string, unknown>;
  const odataType = obj['@odata.type'];
  if (typeof odataType === 'string' && flat.types.length) {
    const name = odataType.replace(/^#/, '');
    const expected = flat.types[0]!;
    if (name !== expected) {
      const derived = ctx.m.schemas[name] ? flatten(ctx.m, component(name)) : undefined;
      // A wrong @odata.type is the one mismatch to report: its properties cannot be judged.
      if (!derived) {
        ctx.out.push(`${pointer || '/'} @odata.type '${odataType}' names no schema in openapi.yaml (expected ${expected})`);
        return;
      } else if (!derived.types.includes(expected)) {
        ctx.out.push(`${pointer || '/'} @odata.type '${odataType}' is not ${expected} or derived from it`);
        return;
      } else {
        const v = validatorFor(ctx.m, component(name));
        if (!v(obj)) ctx.out.push(...explain(v.errors ?? [], pointer, obj));
        flat = derived;
      }
    }
  }
  if (!flat.declaresProperties) return;
  for (const [key, child] of Object.entries(obj)) {
    if (key.startsWith('@odata.')) continue;
    const propSchema = flat.properties.get(key);
    if (propSchema) {
      walk(ctx, child, propSchema, `${pointer}/${key}`);
      continue;
    }
    if (flat.open) continue;
    const allowed = RETURNED_BEYOND_SCHEMA.some((a) => a.property === key && flat.types.includes(a.type) && (!a.versions || a.versions.includes(ctx.version)));
    if (!allowed) {
      const owner = flat.types[0] ?? 'the response schema';
      ctx.out.push(`${pointer}/${key} is not a property of ${owner} (got ${preview(child)}); fix the emulator, or list it in RETURNED_BEYOND_SCHEMA citing the reference`);
    }
  }
}

/** Graph's error envelope (reference §4): code, message and innerError {date, request-id, client-request-id}. */
function checkErrorEnvelope(body: unknown): string[] {
  const out: string[] = [];
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (!error || typeof error !== 'object') return ['/error is missing'];
  for (const k of ['code', 'message'] as const) if (typeof error[k] !== 'string') out.push(`/error/${k} must be a string (got ${preview(error[k])})`);
  const inner = error.innerError as Record<string, unknown> | undefined;
  if (!inner || typeof inner !== 'object') out.push(`/error/innerError is missing (got ${preview(inner)})`);
  else {
    for (const k of ['date', 'request-id', 'client-request-id']) if (typeof inner[k] !== 'string') out.push(`/error/innerError/${k} must be a string (got ${preview(inner[k])})`);
    // "no fractional seconds and no Z in observed payloads" (reference §4).
    if (typeof inner.date === 'string' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(inner.date)) out.push(`/error/innerError/date must be yyyy-MM-ddTHH:mm:ss, as Graph writes it (got ${preview(inner.date)})`);
  }
  return out;
}

export interface Verdict {
  /** Whether the body was checked (a Graph JSON body with a schema to check it against). */
  validated: boolean;
  /** The openapi.yaml operation it was checked against, 'ODataError', or why it was skipped. */
  against: string;
  mismatches: string[];
}

/**
 * Checks one response against openapi.yaml. Graph routes only (/v1.0, and /beta through its /v1.0
 * twin; beta-only routes are skipped), JSON bodies, 2xx against the operation's schema and 4xx/5xx
 * against microsoft.graph.ODataErrors.ODataError. Returns one line per mismatch, each naming the
 * request: "GET /v1.0/roleManagement/directory/roleDefinitions 200: /value/3/version must be string,null (got 1) [type]".
 */
export function checkGraphResponse(r: ObservedResponse): Verdict {
  const skip = (why: string): Verdict => ({ validated: false, against: why, mismatches: [] });
  const [pathOnly] = r.url.split('?') as [string];
  const vm = /^\/(v1\.0|beta)(\/|$)/.exec(pathOnly);
  if (!vm) return skip('not Graph');
  const version = vm[1] as 'v1.0' | 'beta';
  if (!r.body || !(r.contentType ?? '').includes('json')) return skip('no JSON body');
  const label = `${r.method} ${r.url} ${r.status}`;
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return { validated: true, against: 'JSON', mismatches: [`${label}: the body is not JSON though Content-Type is ${r.contentType}`] };
  }
  const m = load();
  const toV1 = (p: string) => (version === 'beta' ? p.replace(/^\/beta(?=\/|$)/, '/v1.0') : p);
  const template = r.routeUrl ? shape(toV1(r.routeUrl)) : undefined;
  // A beta route documented under /beta (the approvals) is checked as such; other beta routes against their v1.0 twin.
  // HEAD is served by every GET route (Fastify's exposeHeadRoutes): it answers as the GET's operation.
  const method = r.method === 'HEAD' ? 'GET' : r.method;
  const betaOp = version === 'beta' ? findOperation(m, method, r.routeUrl ? shape(r.routeUrl) : undefined, shape(pathOnly)) : undefined;
  const op = betaOp ?? findOperation(m, method, template, shape(toV1(pathOnly)));
  const mismatches: string[] = [];
  let schema: Schema | undefined | null;
  let against: string;

  // An error Graph answers outside its envelope (openapi.yaml cites where it was seen) is checked
  // against its own schema; the same operation's errors in the envelope (a bad query option) as usual.
  const quirk = op && (op.responses[String(r.status)] as Schema | undefined)?.['x-graph-quirk'] && !(body && typeof body === 'object' && 'error' in body);
  if (r.status >= 400 && quirk) {
    schema = responseSchema(m, op, r.status);
    against = `${op.method} ${op.path} ${r.status}`;
    if (!schema) return { validated: true, against, mismatches: [`${label}: openapi.yaml declares no JSON body for ${op.method} ${op.path} ${r.status}`] };
  } else if (r.status >= 400) {
    // Graph's envelope on every Graph path, documented or not (an unknown path is answered by Graph too).
    // A status documented as a quirk body (MissingProvider) is checked as the envelope when the envelope came
    // (a bad query option is refused before the quirk is reached).
    const documented = op && !(op.responses[String(r.status)] as Schema | undefined)?.['x-graph-quirk'] ? responseSchema(m, op, r.status) : undefined;
    schema = documented || component('microsoft.graph.ODataErrors.ODataError');
    against = op ? `${op.method} ${op.path} ${r.status}` : 'ODataError';
    mismatches.push(...checkErrorEnvelope(body));
  } else if (r.status >= 200 && r.status < 300) {
    if (!op) {
      if (version === 'beta') return skip('beta-only route');
      return { validated: true, against: 'nothing', mismatches: [`${label}: no operation in openapi.yaml matches ${r.method} ${r.routeUrl ?? pathOnly}`] };
    }
    schema = responseSchema(m, op, r.status);
    against = `${op.method} ${op.path} ${r.status}`;
    if (schema === undefined) return { validated: true, against, mismatches: [`${label}: openapi.yaml declares no ${r.status} response for ${op.method} ${op.path}`] };
    if (schema === null) return { validated: true, against, mismatches: [`${label}: openapi.yaml declares ${r.status} for ${op.method} ${op.path} without a JSON body, but the emulator sent one`] };
  } else {
    return skip(`status ${r.status}`);
  }

  const validate = validatorFor(m, schema);
  if (!validate(body)) mismatches.push(...explain(validate.errors ?? [], '', body));
  walk({ m, version, out: mismatches }, body, schema, '');
  // The second oracle: Microsoft's own CSDL types (test/support/msgraph-schema.ts), for 2xx bodies.
  if (r.status < 300) {
    const root = microsoftRoot(m, schema, version);
    if (root) {
      const items = root.collection ? (body as { value?: unknown }).value : body;
      // One line per bad value: what openapi.yaml already reported at a pointer is not repeated.
      const reported = new Set(mismatches.map((x) => x.split(/[: ]/)[0]));
      mismatches.push(...checkAgainstMicrosoft(root.collection ? `Collection(${root.type})` : root.type, items, version, RETURNED_BEYOND_SCHEMA, root.collection ? '/value' : '').filter((x) => !reported.has(x.split(/[: ]/)[0])));
    }
  }
  return { validated: true, against, mismatches: [...new Set(mismatches)].map((x) => (x.startsWith(label) ? x : `${label}: ${x}`)) };
}

/**
 * The Microsoft type a response schema describes: "unifiedRoleDefinition" for an entity,
 * collection: true for {value: [...]}. Beta-only types (beta.microsoft.graph.*) are checked on
 * /beta only, against the beta schema.
 */
function microsoftRoot(m: Model, schema: Schema, version: 'v1.0' | 'beta'): { type: string; collection: boolean } | undefined {
  const name = (ref: unknown) => {
    if (typeof ref !== 'string') return undefined;
    const hit = /#\/components\/schemas\/(beta\.)?microsoft\.graph\.(.+)$/.exec(ref);
    return hit && (!hit[1] || version === 'beta') ? { local: hit[2]!, component: `${hit[1] ?? ''}microsoft.graph.${hit[2]}` } : undefined;
  };
  const directRef = name(schema.$ref);
  const direct = directRef?.local;
  const resolved = directRef ? m.schemas[directRef.component] : schema;
  const items = ((resolved?.properties as Record<string, Schema> | undefined)?.value as Schema | undefined)?.items as Schema | undefined;
  const itemType = name(items?.$ref)?.local;
  const inVersion = (t: string) => (version === 'beta' ? BETA_NAME_OF[t] ?? t : t);
  if (itemType) return { type: inVersion(itemType), collection: true };
  if (direct && !direct.startsWith('ODataErrors.')) return { type: inVersion(direct), collection: false };
  return undefined;
}

/**
 * A v1.0 type whose /beta twin route serves another beta type: an approval's stages are v1.0's
 * approvalStage, beta's steps its approvalStep (pim-groups-reference §1; beta's approvalStage is an
 * unrelated complex type of entitlement management).
 */
const BETA_NAME_OF: Record<string, string> = { approvalStage: 'approvalStep' };

/** The mismatches of one response (see checkGraphResponse). */
export function validateGraphResponse(r: ObservedResponse): string[] {
  return checkGraphResponse(r).mismatches;
}

// ---- what the test run collects (test/support/emulator.ts feeds it; conformance-setup.ts drains it) ----

const pending: string[] = [];
export const conformanceStats = { validated: 0, skipped: 0, byOperation: new Map<string, number>() };

/** The `observe` option of every test emulator. */
export function observeResponse(r: ObservedResponse): void {
  try {
    // Graph paths against openapi.yaml; Microsoft.Authorization (ARM PIM) against the ARM SPEC (arm-conformance.ts).
    const g = checkGraphResponse(r);
    const v = g.validated ? g : checkArmResponse(r);
    if (v.validated) {
      conformanceStats.validated++;
      conformanceStats.byOperation.set(v.against, (conformanceStats.byOperation.get(v.against) ?? 0) + 1);
    } else {
      conformanceStats.skipped++;
    }
    pending.push(...v.mismatches);
  } catch (e) {
    pending.push(`${r.method} ${r.url} ${r.status}: the conformance check itself failed: ${(e as Error).stack ?? String(e)}`);
  }
}

/** Mismatches seen since the last call, and forget them. */
export function takeMismatches(): string[] {
  return pending.splice(0, pending.length);
}

/** Whether openapi.yaml's schema for a Graph type (with its base types) declares a property. */
export function schemaDeclares(type: string, property: string): boolean {
  const m = load();
  if (!m.schemas[type]) throw new Error(`openapi.yaml has no schema ${type}`);
  return flatten(m, component(type)).properties.has(property);
}
