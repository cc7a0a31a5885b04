import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';

/**
 * Microsoft's own schema as a second oracle: test/schema/msgraph-v1.0.json holds the v1.0 CSDL
 * types the emulator serves, vendored from microsoftgraph/msgraph-metadata (the commit is in the
 * file's _source; scripts/vendor-graph-schema.mjs made it); test/schema/msgraph-beta.json their
 * beta twins (scripts/vendor-graph-schema-beta.mjs), against which /beta bodies are checked. Unlike openapi.yaml, nobody on the
 * project wrote it: a property Microsoft's CSDL does not declare on the type is a mismatch,
 * whatever openapi.yaml says.
 */
interface PropertyDef {
  type: string;
  nullable?: boolean;
}
interface TypeDef {
  kind: 'entity' | 'complex' | 'enum';
  baseType?: string;
  openType?: boolean;
  members?: string[];
  properties?: Record<string, PropertyDef>;
  navigationProperties?: Record<string, PropertyDef>;
}
export interface MicrosoftSchema {
  _source: { repository: string; commit: string; path: string };
  types: Record<string, TypeDef>;
}

const schemas = new Map<string, MicrosoftSchema>();
/**
 * The vendored schema of a Graph version: test/schema/msgraph-v1.0.json, or msgraph-beta.json
 * (scripts/vendor-graph-schema-beta.mjs: beta's declared names from msgraph-metadata's type
 * mappings of the production beta CSDL, at the same commit).
 */
export function microsoftSchema(version: 'v1.0' | 'beta' = 'v1.0'): MicrosoftSchema {
  let s = schemas.get(version);
  if (!s) {
    s = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'test', 'schema', `msgraph-${version}.json`), 'utf8')) as MicrosoftSchema;
    schemas.set(version, s);
  }
  return s;
}

/** Declared properties and navigations of a type with its base types. */
function members(s: MicrosoftSchema, name: string): { declared: Map<string, PropertyDef>; open: boolean } {
  const declared = new Map<string, PropertyDef>();
  let open = false;
  for (let t = s.types[name]; t; t = t.baseType ? s.types[t.baseType] : undefined) {
    open ||= t.openType === true;
    for (const [k, v] of Object.entries({ ...t.properties, ...t.navigationProperties })) if (!declared.has(k)) declared.set(k, v);
  }
  return { declared, open };
}

const EDM: Record<string, (v: unknown) => boolean> = {
  'Edm.String': (v) => typeof v === 'string',
  'Edm.Guid': (v) => typeof v === 'string',
  'Edm.Duration': (v) => typeof v === 'string',
  'Edm.Date': (v) => typeof v === 'string',
  'Edm.DateTimeOffset': (v) => typeof v === 'string',
  'Edm.Binary': (v) => typeof v === 'string',
  'Edm.Boolean': (v) => typeof v === 'boolean',
  'Edm.Int32': (v) => Number.isInteger(v),
  'Edm.Int64': (v) => Number.isInteger(v),
  'Edm.Double': (v) => typeof v === 'number',
};

export interface Allowance {
  type: string;
  property: string;
  versions?: ReadonlyArray<'v1.0' | 'beta'>;
}

/**
 * Checks a value against a Microsoft type (short name, "unifiedRoleAssignment"): every property
 * declared on it (or on the derived type its @odata.type names), each of the declared Edm or
 * enum type, nested values checked by their declared types. Returns one line per mismatch.
 */
export function checkAgainstMicrosoft(typeName: string, value: unknown, version: 'v1.0' | 'beta', allowed: readonly Allowance[] = [], pointer = ''): string[] {
  const s = microsoftSchema(version);
  const out: string[] = [];
  const visit = (type: string, v: unknown, at: string): void => {
    if (v === null || v === undefined) return;
    const collection = /^Collection\((.+)\)$/.exec(type);
    if (collection) {
      if (!Array.isArray(v)) return void out.push(`${at || '/'}: Microsoft's schema says ${type}, got ${JSON.stringify(v)}`);
      v.forEach((item, i) => visit(collection[1]!, item, `${at}/${i}`));
      return;
    }
    if (type.startsWith('Edm.')) {
      const ok = EDM[type];
      if (ok && !ok(v)) out.push(`${at || '/'}: Microsoft's schema says ${type}, got ${JSON.stringify(v)}`);
      return;
    }
    let name = type.replace(/^graph\.|^microsoft\.graph\./, '');
    const def = s.types[name];
    if (!def) return; // not vendored (a navigation to a type the emulator does not serve)
    if (def.kind === 'enum') {
      const ok = typeof v === 'string' && v.split(',').every((m) => def.members!.includes(m.trim()));
      if (!ok) out.push(`${at || '/'}: ${JSON.stringify(v)} is not a member of Microsoft's enum microsoft.graph.${name} (${def.members!.join(', ')})`);
      return;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return void out.push(`${at || '/'}: Microsoft's schema says microsoft.graph.${name}, got ${JSON.stringify(v)}`);
    const o = v as Record<string, unknown>;
    const odataType = typeof o['@odata.type'] === 'string' ? (o['@odata.type'] as string).replace(/^#microsoft\.graph\./, '') : undefined;
    if (odataType && s.types[odataType]) name = odataType;
    const { declared, open } = members(s, name);
    for (const [k, child] of Object.entries(o)) {
      if (k.includes('@')) continue; // annotations: @odata.context, principal@odata.context, …
      const p = declared.get(k);
      if (!p) {
        const excused = allowed.some((a) => a.property === k && (!a.versions || a.versions.includes(version)) && chain(s, name).includes(a.type.replace(/^microsoft\.graph\./, '')));
        if (!excused && !open) out.push(`${at}/${k}: property '${k}' is not declared on microsoft.graph.${name} in Microsoft's schema (${s._source.path} @ ${s._source.commit.slice(0, 12)})`);
        continue;
      }
      visit(p.type, child, `${at}/${k}`);
    }
  };
  visit(typeName, value, pointer);
  return out;
}

/** A type and its base types. */
function chain(s: MicrosoftSchema, name: string): string[] {
  const out: string[] = [];
  for (let n: string | undefined = name; n && s.types[n]; n = s.types[n]!.baseType) out.push(n);
  return out;
}
