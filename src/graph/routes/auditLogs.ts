import type { AuditRecord } from '../../pim/model.js';
import { auditsNewestFirst } from '../../pim/audit.js';
import { ROLE } from '../../directory/roles.js';
import { callerHoldsRole, PIM_READER_ROLES, requireDirectoryPermission, type Caller } from '../caller.js';
import { entityBody, listBody, type CollectionSpec, COUNT_OPTIONS, countText } from '../collection.js';
import { graphErrors } from '../errors.js';
import type { RouteModule } from '../types.js';

/** GET /auditLogs/directoryAudits and /{id} (reference §7). Not licence-gated. */
const READ = { delegated: ['AuditLog.Read.All'], application: ['AuditLog.Read.All'] };

/**
 * Roles that may read the directory audit log when signed in: Global Administrator, Global Reader,
 * Security Administrator/Reader/Operator, Privileged Role Administrator, and Reports Reader.
 */
const AUDIT_READER_ROLES = [...PIM_READER_ROLES, ROLE.reportsReader];

const PROPERTIES = ['id', 'activityDateTime', 'activityDisplayName', 'additionalDetails', 'category', 'correlationId', 'initiatedBy', 'loggedByService', 'operationType', 'result', 'resultReason', 'targetResources'];

const spec: CollectionSpec<AuditRecord> = {
  type: 'microsoft.graph.directoryAudit',
  contextPath: 'auditLogs/directoryAudits',
  // Stored with Graph's names and order already.
  toWire: (a) => ({ ...a }),
  properties: PROPERTIES,
  // The filters Graph documents and clients use (reference §1.1, §7).
  filter: {
    entitySet: 'directoryAudits',
    properties: {
      activityDisplayName: { type: 'string', ops: ['eq', 'startswith'] },
      activityDateTime: { type: 'datetime', ops: ['eq', 'ge', 'le', 'gt', 'lt'] },
      category: { type: 'string', ops: ['eq'] },
      loggedByService: { type: 'string', ops: ['eq'] },
      operationType: { type: 'string', ops: ['eq'] },
      result: { type: 'enum', ops: ['eq'] },
      correlationId: { type: 'guid', ops: ['eq'] },
      'initiatedBy/user/id': { type: 'guid', ops: ['eq'] },
      'initiatedBy/app/appId': { type: 'guid', ops: ['eq'] },
    },
    lambdas: { targetResources: { id: { type: 'string', ops: ['eq'], caseInsensitive: true } } },
  },
  orderBy: ['activityDateTime'],
};

function requireAuditReader(caller: Caller): void {
  requireDirectoryPermission(caller, READ);
  if (caller.kind === 'user' && !callerHoldsRole(caller, AUDIT_READER_ROLES)) throw graphErrors.insufficientPrivileges();
}

export const auditLogsRoutes: RouteModule = (app, _ctx, version) => {
  app.get('/auditLogs/directoryAudits', { config: { query: ['$filter', '$select', '$top', '$skiptoken', '$count', '$orderby'] } }, async (request) => {
    const caller = request.caller!;
    requireAuditReader(caller);
    return listBody(request, version, auditsNewestFirst(caller.tenant.pim.audits), spec);
  });

  app.get('/auditLogs/directoryAudits/$count', { config: { query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    requireAuditReader(caller);
    return reply.type('text/plain; charset=utf-8').send(countText(request, caller.tenant.pim.audits, spec));
  });

  app.get<{ Params: { id: string } }>('/auditLogs/directoryAudits/:id', { config: { query: ['$select'] } }, async (request) => {
    const caller = request.caller!;
    requireAuditReader(caller);
    const a = caller.tenant.pim.audits.find((x) => x.id === request.params.id);
    if (!a) throw graphErrors.resourceNotFound(request.params.id);
    return entityBody(request, version, a, spec);
  });
};
