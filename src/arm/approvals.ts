import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { approvalStageStatus, decideApproval, type Decision } from '../pim/approvals.js';
import { AZURE_TAG, azureRoles } from '../pim/azure-role.js';
import { PimError } from '../pim/errors.js';
import { isAwaitingDecision } from '../pim/approvals.js';
import type { RequestRecord } from '../pim/model.js';
import { apiVersion, armCaller, armPage, hasFn, parseArmFilter, queryOf, type ArmCaller } from './conventions.js';
import { ArmError, armErrors } from './errors.js';
import { approvalArmId, requestToArm } from './wire.js';

/**
 * Approvals of Azure resource role activations (Microsoft.Authorization/roleAssignmentApprovals,
 * api-version 2021-01-01-preview; shapes from Azure/bicep-types-az
 * generated/authorization/microsoft.authorization/2021-01-01-preview/types.md): a tenant-level
 * resource `/providers/Microsoft.Authorization/roleAssignmentApprovals/{approvalId}` with one
 * stage, read by its requestor and approvers; an approver PUTs (or PATCHes) the stage with
 * `{"properties":{"reviewResult":"Approve"|"Deny","justification":…}}`. The approval id is the
 * request's name and so is the single stage's id, as for Microsoft Entra roles (graph-pim-reference §5).
 * The engine decides (pim/approvals.ts), exactly as for directory roles and groups.
 */
export const APPROVAL_API_VERSIONS = ['2021-01-01-preview'] as const;
const BASE = '/providers/Microsoft.Authorization/roleAssignmentApprovals';
const TYPE = 'Microsoft.Authorization/roleAssignmentApprovals';

const REVIEW_RESULTS: Record<string, Decision['reviewResult']> = { approve: 'Approve', deny: 'Deny' };

/** The Azure activation waiting for (or decided by) the approval; only its requestor and approvers see it. */
function find(caller: ArmCaller, id: string): RequestRecord {
  const key = id.toLowerCase();
  const r = caller.tenant.pim.requests.find((x) => x.kind === 'assignment' && x.resource === AZURE_TAG && x.approvalId === key && x.approval);
  if (!r || !(r.approval!.approverIds.includes(caller.id) || r.principalId === caller.id)) throw armErrors.approvalNotFound(id);
  return r;
}

function stageToArm(caller: ArmCaller, r: RequestRecord): Record<string, unknown> {
  const s = r.approval!.step;
  const reviewer = s.reviewedBy ? caller.tenant.users.find((u) => u.id === s.reviewedBy!.id) : undefined;
  return {
    properties: {
      displayName: null,
      status: approvalStageStatus(r, caller.nowMs),
      reviewResult: s.reviewResult,
      assignedToMe: r.approval!.approverIds.includes(caller.id),
      reviewedDateTime: s.reviewedDateTime,
      reviewedBy: s.reviewedBy
        ? { principalId: s.reviewedBy.id, principalName: s.reviewedBy.displayName, principalType: 'user', userPrincipalName: reviewer?.userPrincipalName ?? s.reviewedBy.userPrincipalName ?? null }
        : null,
      justification: s.justification,
    },
    id: `${approvalArmId(r.id)}/stages/${r.id}`,
    name: r.id,
    type: `${TYPE}/stages`,
  };
}

const approvalToArm = (caller: ArmCaller, r: RequestRecord) => ({ properties: { stages: [stageToArm(caller, r)] }, id: approvalArmId(r.id), name: r.id, type: TYPE });

/** PUT/PATCH body: `{"properties":{"reviewResult","justification"}}`. */
function decisionOf(body: unknown): Decision {
  const p = (body as { properties?: { reviewResult?: unknown; justification?: unknown } } | null | undefined)?.properties;
  if (!p || typeof p !== 'object') throw armErrors.invalidRequestContent("The 'properties' object is required.");
  const result = typeof p.reviewResult === 'string' ? REVIEW_RESULTS[p.reviewResult.toLowerCase()] : undefined;
  if (!result) throw armErrors.invalidRequestContent(`properties.reviewResult must be 'Approve' or 'Deny', not ${JSON.stringify(p.reviewResult ?? null)}.`);
  if (p.justification !== undefined && p.justification !== null && typeof p.justification !== 'string') throw armErrors.invalidRequestContent('properties.justification must be a string.');
  return { reviewResult: result, justification: (p.justification as string | null | undefined) ?? null };
}

/** The PIM api-versions of roleAssignmentScheduleRequests (as under a scope, authorization.ts). */
const REQUEST_VERSIONS = ['2020-10-01', '2020-10-01-preview', '2022-04-01-preview', '2024-02-01-preview', '2024-09-01-preview'] as const;

export function registerApprovals(app: FastifyInstance, ctx: AppContext): void {
  // Approvers find what waits for them across every scope at the tenant root:
  // GET /providers/Microsoft.Authorization/roleAssignmentScheduleRequests?$filter=asApprover() (how PIM
  // scripts such as EasyPIM list pending approvals); only asApprover() is served there.
  app.get('/providers/Microsoft.Authorization/roleAssignmentScheduleRequests', async (request) => {
    apiVersion(request, REQUEST_VERSIONS, 'roleAssignmentScheduleRequests');
    const c = armCaller(ctx, request);
    const clauses = parseArmFilter(queryOf(request).$filter, { functions: ['asApprover'], properties: [] });
    if (!hasFn(clauses, 'asApprover')) throw armErrors.notEmulatedHere("Listing roleAssignmentScheduleRequests at the tenant root without $filter=asApprover() (list them at a subscription, resource group or resource scope)");
    const rows = c.tenant.pim.requests.filter((r) => r.kind === 'assignment' && r.resource === AZURE_TAG && r.approval?.approverIds.includes(c.id) && isAwaitingDecision(r, c.nowMs));
    return armPage(request, rows, (r) => requestToArm(c.tenant, r));
  });

  const caller = (request: FastifyRequest): ArmCaller => {
    apiVersion(request, APPROVAL_API_VERSIONS, 'roleAssignmentApprovals');
    return armCaller(ctx, request);
  };
  const loadStage = (c: ArmCaller, id: string, stageId: string): RequestRecord => {
    const r = find(c, id);
    if (stageId.toLowerCase() !== r.id) throw armErrors.approvalStageNotFound(id, stageId);
    return r;
  };

  app.get<{ Params: { id: string } }>(`${BASE}/:id`, async (request) => {
    const c = caller(request);
    return approvalToArm(c, find(c, request.params.id));
  });
  app.get<{ Params: { id: string } }>(`${BASE}/:id/stages`, async (request) => {
    const c = caller(request);
    return { value: [stageToArm(c, find(c, request.params.id))] };
  });
  app.get<{ Params: { id: string; stageId: string } }>(`${BASE}/:id/stages/:stageId`, async (request) => {
    const c = caller(request);
    return stageToArm(c, loadStage(c, request.params.id, request.params.stageId));
  });
  const decide = async (request: FastifyRequest<{ Params: { id: string; stageId: string } }>) => {
    const c = caller(request);
    const decision = decisionOf(request.body);
    const r = loadStage(c, request.params.id, request.params.stageId);
    try {
      await ctx.commit(c.tenant.tenant.id, c.nowMs, (t) => decideApproval(t, [], r.id, c.actor, decision, c.nowMs, azureRoles(r.id)));
    } catch (e) {
      // The engine's refusals (self-approval, not an approver, already decided, justification) in ARM's envelope.
      if (e instanceof PimError) throw new ArmError(e.status, e.code, e.message);
      throw e;
    }
    return stageToArm(c, find({ ...c, tenant: ctx.store.tenant(c.tenant.tenant.id)! }, r.id));
  };
  app.put<{ Params: { id: string; stageId: string } }>(`${BASE}/:id/stages/:stageId`, decide);
  app.patch<{ Params: { id: string; stageId: string } }>(`${BASE}/:id/stages/:stageId`, decide);
}
