import { decodeOnce } from '../directory/directory.js';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { TenantData } from '../directory/model.js';
import { findTenant } from '../directory/directory.js';
import { offsetOf } from '../directory/tenant-clock.js';
import { isoInstant } from '../iso8601.js';
import { baseUrl } from '../web.js';
import type { FaultSpec } from './faults.js';
import { ControlKeys, hashKey } from './access.js';
import { ControlError } from './errors.js';
import { addFault, exportTenant, FAULT_SCHEMA, mintSchema, mintToken, parseClockMove, requestLogFilter, searchAudits, type MintBody, type RequestLogQuery } from './operations.js';
import { tenantSummary } from './tenants.js';

/**
 * One tenant's control plane, under /_emulator/tenants/{tenant}/…: what a workshop team may do to its
 * own tenant and to nobody else's (design.md "Sharing"). Each operation here touches that tenant only;
 * the instance-wide forms (/_emulator/clock, /reset, /faults, /mail, /tokens, /requests, /seed) stay
 * for single-user and CI use. Who may call which is decided in access.ts, before any of this runs.
 */
export function tenantScopeRoutes(app: FastifyInstance, ctx: AppContext): void {
  type P = { Params: { tenant: string } };
  const tenantOf = (name: string): TenantData => {
    const t = findTenant(ctx.store, name);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${decodeOnce(name)}'. Known: ${ctx.store.tenants().map((x) => x.tenant.name).join(', ')}.`);
    return t;
  };

  // One reading of the instance clock, so `now - instanceNow` is exactly the offset.
  const clockOf = (t: TenantData) => {
    const instance = ctx.clock.nowMs();
    return {
      tenant: t.tenant.name,
      now: isoInstant(instance + offsetOf(t)),
      frozen: ctx.clock.frozen,
      offsetMs: offsetOf(t),
      instanceNow: isoInstant(instance),
    };
  };

  app.get<P>('/tenants/:tenant', async (request) => {
    const t = tenantOf(request.params.tenant);
    return { ...tenantSummary(t), clock: clockOf(t) };
  });

  // ---- the tenant's clock: an offset on the instance clock ----
  app.get<P>('/tenants/:tenant/clock', async (request) => clockOf(tenantOf(request.params.tenant)));
  app.post<P & { Body: { advance?: string; set?: string; freeze?: boolean } }>('/tenants/:tenant/clock', {
    schema: {
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { advance: { type: 'string' }, set: { type: 'string' }, freeze: { type: 'boolean' } } },
    },
  }, async (request) => {
    const t = tenantOf(request.params.tenant);
    if (request.body.freeze !== undefined) {
      throw new ControlError(400, 'InvalidClockRequest', `A tenant's clock cannot be frozen on its own: it runs on the instance clock plus ${t.tenant.name}'s offset. Move it with "advance" or "set"; freezing is instance-wide (POST /_emulator/clock {"freeze":true}, with the admin key when one is set).`);
    }
    const { advanceMs, setMs } = parseClockMove(request.body);
    await ctx.store.update(t.tenant.id, (data) => {
      let offset = offsetOf(data);
      if (setMs !== undefined) offset = setMs - ctx.clock.nowMs();
      offset += advanceMs;
      data.emulator = { ...data.emulator, clockOffsetMs: offset };
    });
    // What the jump made due in this tenant is applied (and its mail sent) before answering; no other tenant's time moved.
    await ctx.tick();
    await ctx.mail.settle();
    return clockOf(t);
  });

  // ---- reset: back to the tenant's creation state ----
  app.post<P>('/tenants/:tenant/reset', async (request) => {
    const t = tenantOf(request.params.tenant);
    if (!(await ctx.resetTenant(t.tenant.id))) {
      throw new ControlError(409, 'NoCreationState', `Tenant '${t.tenant.name}' came from an imported seed (POST /_emulator/seed) and is not in the seed file, so there is no creation state to go back to. POST /_emulator/reset returns the whole emulator to its seed.`);
    }
    const after = ctx.store.tenant(t.tenant.id)!;
    return { status: 'reset', tenant: after.tenant.name, now: isoInstant(ctx.time.nowMs(after)) };
  });

  // ---- faults that hit this tenant's requests only ----
  app.get<P>('/tenants/:tenant/faults', async (request) => ({ value: ctx.faults.list(tenantOf(request.params.tenant).tenant.id) }));
  app.post<P & { Body: FaultSpec }>('/tenants/:tenant/faults', { schema: { body: FAULT_SCHEMA } }, async (request, reply) => {
    const t = tenantOf(request.params.tenant);
    return reply.status(201).send(addFault(ctx, request.body, t.tenant.id));
  });
  app.delete<P>('/tenants/:tenant/faults', async (request, reply) => {
    ctx.faults.clear(tenantOf(request.params.tenant).tenant.id);
    return reply.status(204).send();
  });
  app.delete<{ Params: { tenant: string; id: string } }>('/tenants/:tenant/faults/:id', async (request, reply) => {
    const t = tenantOf(request.params.tenant);
    if (!ctx.faults.remove(request.params.id, t.tenant.id)) throw new ControlError(404, 'FaultNotFound', `No fault ${request.params.id} in tenant ${t.tenant.name}.`);
    return reply.status(204).send();
  });

  // ---- tokens of this tenant, on its clock ----
  app.post<P & { Body: MintBody }>('/tenants/:tenant/tokens', { schema: { body: mintSchema(false) } }, async (request) =>
    mintToken(ctx, tenantOf(request.params.tenant), request.body, baseUrl(request)));

  // ---- the requests this tenant made ----
  app.get<P & { Querystring: RequestLogQuery }>('/tenants/:tenant/requests', async (request) => {
    const t = tenantOf(request.params.tenant);
    return { value: ctx.requests.list(requestLogFilter(request.query, t.tenant.name)) };
  });
  app.delete<P>('/tenants/:tenant/requests', async (request, reply) => {
    ctx.requests.clear(tenantOf(request.params.tenant).tenant.name);
    return reply.status(204).send();
  });

  // ---- export: this tenant as a seed document ----
  app.get<P>('/tenants/:tenant/export', async (request) => {
    const t = tenantOf(request.params.tenant);
    return { version: 1, roleDefinitions: ctx.store.system().roleDefinitions, tenants: [exportTenant(t)] };
  });

  // ---- the audit log of this tenant, searchable ----
  app.get<P & { Querystring: { search?: string } }>('/tenants/:tenant/audit', async (request) => ({
    value: searchAudits([tenantOf(request.params.tenant)], request.query.search),
  }));

  // ---- a new tenant key (the old one stops working) ----
  app.post<P>('/tenants/:tenant/key', async (request) => {
    const t = tenantOf(request.params.tenant);
    const key = ControlKeys.newTenantKey();
    await ctx.store.update(t.tenant.id, (data) => {
      data.emulator = { ...data.emulator, keyHash: hashKey(key) };
    });
    return { tenant: t.tenant.name, key, keyUsage: `Shown once; the previous key of ${t.tenant.name} no longer works. Send it as 'Authorization: Bearer <key>' to /_emulator/tenants/${t.tenant.name}/….` };
  });
}
