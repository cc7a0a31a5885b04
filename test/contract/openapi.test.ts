import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { testEmulator } from '../support/emulator.js';

/** Route URL → OpenAPI path template shape: /users/:id → /users/{}, /x/* → /x/{}. */
const shape = (url: string) => url.replace(/:[^/]+/g, '{}').replace(/\{[^}]*\}/g, '{}').replace(/\/\*$/, '/{}');

describe('openapi.yaml and the registered routes', () => {
  let emu: Emulator;
  const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8'));
  const documented = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${shape(p)}`);
  }
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());

  /** /beta serves the v1.0 paths; a beta route is covered by its v1.0 twin unless documented itself. */
  const covered = (method: string, url: string) =>
    documented.has(`${method} ${shape(url)}`) || (url.startsWith('/beta/') && documented.has(`${method} ${shape(url.replace(/^\/beta\//, '/v1.0/'))}`));

  it('documents every route the emulator registers', () => {
    const missing = emu.routes.filter((r) => !covered(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('registers every operation it documents', () => {
    const registered = new Set(emu.routes.map((r) => `${r.method} ${shape(r.url)}`));
    const phantom = [...documented].filter((d) => !registered.has(d));
    expect(phantom).toEqual([]);
  });

  it('describes Graph bodies with the schema names of Microsoft Graph', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['microsoft.graph.unifiedRoleDefinition', 'microsoft.graph.unifiedRoleAssignment', 'microsoft.graph.unifiedRoleAssignmentScheduleRequest']));
  });

  it('is served at /_emulator/openapi.yaml', async () => {
    const res = await emu.app.inject({ method: 'GET', url: '/_emulator/openapi.yaml' });
    expect(res.statusCode).toBe(200);
    expect(YAML.parse(res.body).openapi).toBe('3.0.3');
  });
});
