import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { testEmulator } from '../support/emulator.js';

const EDMX = 'http://docs.oasis-open.org/odata/ns/edmx';
const EDM = 'http://docs.oasis-open.org/odata/ns/edm';
const PRIMITIVES = new Set(['Edm.String', 'Edm.Boolean', 'Edm.Int32', 'Edm.Int64', 'Edm.Double', 'Edm.DateTimeOffset', 'Edm.Duration', 'Edm.Date', 'Edm.Guid']);

/** The parts of a CSDL document (OData CSDL XML 4.0) the checks below read. */
function parseCsdl(xml: string) {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') errors.push(msg); } }).parseFromString(xml, 'application/xml');
  expect(errors).toEqual([]);
  const root = doc.documentElement!;
  const all = (ns: string, tag: string, from: { getElementsByTagNameNS: (ns: string, tag: string) => ArrayLike<Element> } = doc) => Array.from(from.getElementsByTagNameNS(ns, tag));
  const types = new Map<string, Element>();
  for (const tag of ['EntityType', 'ComplexType', 'EnumType']) for (const e of all(EDM, tag)) types.set(`graph.${e.getAttribute('Name')}`, e);
  return { root, all, types };
}

describe('$metadata', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());

  for (const version of ['v1.0', 'beta'] as const) {
    it(`serves /${version}/$metadata as CSDL XML, without a token, every type it names declared`, async () => {
      const res = await emu.app.inject({ method: 'GET', url: `/${version}/$metadata` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/xml;charset=utf-8');
      const { root, all, types } = parseCsdl(res.body);
      expect(root.namespaceURI).toBe(EDMX);
      expect(root.localName).toBe('Edmx');
      expect(root.getAttribute('Version')).toBe('4.0');
      const schemas = all(EDM, 'Schema');
      expect(schemas.map((s) => [s.getAttribute('Namespace'), s.getAttribute('Alias')])).toEqual([['microsoft.graph', 'graph']]);

      // Every Type / BaseType resolves to a declared type or an Edm primitive.
      const unresolved: string[] = [];
      const resolve = (t: string, where: string) => {
        const inner = /^Collection\((.+)\)$/.exec(t)?.[1] ?? t;
        if (!PRIMITIVES.has(inner) && !types.has(inner)) unresolved.push(`${where}: ${t}`);
      };
      for (const e of types.values()) {
        const base = e.getAttribute('BaseType');
        if (base) resolve(base, `${e.getAttribute('Name')} BaseType`);
        for (const tag of ['Property', 'NavigationProperty']) for (const p of all(EDM, tag, e)) resolve(p.getAttribute('Type')!, `${e.getAttribute('Name')}.${p.getAttribute('Name')}`);
      }
      for (const tag of ['EntitySet', 'Singleton']) for (const s of all(EDM, tag)) resolve(s.getAttribute('EntityType') ?? s.getAttribute('Type')!, `${tag} ${s.getAttribute('Name')}`);
      expect(unresolved).toEqual([]);

      // The key is on microsoft.graph.entity; the PIM types derive from it.
      const key = all(EDM, 'PropertyRef', types.get('graph.entity')!).map((k) => k.getAttribute('Name'));
      expect(key).toEqual(['id']);
      const request = types.get('graph.unifiedRoleAssignmentScheduleRequest')!;
      expect(request.localName).toBe('EntityType');
      expect(request.getAttribute('BaseType')).toBe('graph.request');
      expect(all(EDM, 'Property', request).map((p) => p.getAttribute('Name'))).toEqual(expect.arrayContaining(['action', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'scheduleInfo', 'justification', 'targetScheduleId']));
      expect(all(EDM, 'NavigationProperty', request).map((p) => p.getAttribute('Name'))).toEqual(expect.arrayContaining(['principal', 'roleDefinition', 'directoryScope', 'appScope', 'targetSchedule', 'activatedUsing']));
      expect(types.get('graph.requestSchedule')!.localName).toBe('ComplexType');
      const actions = types.get('graph.unifiedRoleScheduleRequestActions')!;
      expect(all(EDM, 'Member', actions).map((m) => m.getAttribute('Name'))).toEqual(expect.arrayContaining(['adminAssign', 'selfActivate']));

      const containerChildren = all(EDM, 'EntityContainer').flatMap((c) => Array.from(c.childNodes).filter((n): n is Element => n.nodeType === 1).map((n) => `${n.localName} ${n.getAttribute('Name')}`));
      expect(containerChildren).toEqual(expect.arrayContaining(['EntitySet users', 'EntitySet groups', 'Singleton roleManagement', 'Singleton policies', 'Singleton auditLogs']));

      const definition = all(EDM, 'Property', types.get('graph.unifiedRoleDefinition')!).map((p) => p.getAttribute('Name'));
      if (version === 'beta') {
        expect(definition).toContain('isPrivileged');
        expect(all(EDM, 'NavigationProperty', types.get('graph.approval')!).map((p) => p.getAttribute('Name'))).toEqual(['steps']);
      } else {
        expect(definition).not.toContain('isPrivileged');
      }
    });
  }

  it("declares the same entity and complex types as openapi.yaml's Microsoft schemas (one source)", async () => {
    const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8'), { maxAliasCount: -1 }) as { components: { schemas: Record<string, unknown> } };
    const fromOpenApi = Object.keys(doc.components.schemas)
      .filter((n) => n.startsWith('microsoft.graph.') && !n.startsWith('microsoft.graph.ODataErrors.') && !n.endsWith('CollectionResponse'))
      .map((n) => `graph.${n.slice('microsoft.graph.'.length)}`);
    const { types } = parseCsdl((await emu.app.inject({ method: 'GET', url: '/v1.0/$metadata' })).body);
    expect([...types.keys()]).toEqual(expect.arrayContaining(fromOpenApi));
  });

  it('takes no query option it does not serve, as any Graph route', async () => {
    const res = await emu.app.inject({ method: 'GET', url: '/v1.0/$metadata?$select=id' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe("Query option '$select' is not supported on this resource. Supported query options: none.");
  });
});
