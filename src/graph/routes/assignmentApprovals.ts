import type { FastifyRequest } from 'fastify';
import { NullableString, Type, type Static } from '../../schema.js';
import { decideApproval, type Decision } from '../../pim/approvals.js';
import { GROUP_TAG, groups } from '../../pim/group.js';
import type { RequestRecord } from '../../pim/model.js';
import { actorOf, hasPermission, type Caller, type PermissionRule } from '../caller.js';
import { GraphError, graphErrors } from '../errors.js';
import { baseUrl } from '../../web.js';
import { approvalStageToWire } from '../pim-wire.js';
import type { GraphVersion, RouteModule } from '../types.js';

/**
 * Approvals of PIM for Groups activations (pim-groups-reference §1, §5):
 * GET …/group/assignmentApprovals/{requestId} (the approval, its id = the request's approvalId),
 * its stages, and an approver's PATCH of the single stage with reviewResult Approve | Deny (204).
 *
 * The v1.0 navigation is `stages` (GDC approval-get @1d8e2fde; v1 cmdlet …AssignmentApprovalStage)
 * and beta's is `steps` (beta cmdlet …AssignmentApprovalStep); Microsoft's own v1.0 update page
 * (GDC approvalstage-update @0713c450) writes the path with `/steps/`, so both segments answer in
 * both versions, the same stage. The single stage's id is the request id, as for role approvals
 * (graph-pim-reference §5).
 */
const BASE = '/identityGovernance/privilegedAccess/group/assignmentApprovals';
const CONTEXT = 'identityGovernance/privilegedAccess/group/assignmentApprovals';
const SEGMENTS = ['stages', 'steps'] as const;

/** §1.1: delegated only; application permissions are not supported for approvals. */
const READ: PermissionRule = {
  delegated: ['PrivilegedAssignmentSchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.Read.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'],
  application: [],
};
const WRITE: PermissionRule = { delegated: ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'], application: [] };

/** PATCH …/stages/{id}: the decision (schema and type from one definition). */
const StageBody = Type.Object(
  { '@odata.type': Type.Optional(Type.String()), reviewResult: Type.String(), justification: Type.Optional(NullableString()) },
  { additionalProperties: false },
);
type StageBody = Static<typeof StageBody>;

const REVIEW_RESULTS: Record<string, Decision['reviewResult']> = { approve: 'Approve', approved: 'Approve', deny: 'Deny', denied: 'Deny' };

function requirePermission(caller: Caller, rule: PermissionRule): void {
  // The GDC permission tables say "Application: Not supported" (§1.1); the wording is the emulator's.
  if (caller.kind !== 'user') throw new GraphError(403, 'Forbidden', 'Approvals for PIM for Groups require a signed-in user (delegated token); application permissions are not supported.');
  if (!hasPermission(caller, rule)) {
    throw new GraphError(403, 'Forbidden', `Missing permission scope. This operation needs one of: ${rule.delegated.join(', ')}.`);
  }
}

/** The group activation waiting for (or decided by) an approval; only its requestor and approvers see it. */
function find(caller: Caller, id: string): RequestRecord {
  const key = id.toLowerCase();
  const r = caller.tenant.pim.requests.find((x) => x.kind === 'assignment' && x.resource === GROUP_TAG && x.approvalId === key && x.approval);
  if (!r || !(r.approval!.approverIds.includes(caller.id) || r.principalId === caller.id)) throw new GraphError(404, 'NotFound', `The approval ${id} was not found.`);
  return r;
}

const stageOf = (caller: Caller, r: RequestRecord) => approvalStageToWire(r, caller.id, caller.nowMs);

export const assignmentApprovalsRoutes: RouteModule = (app, ctx, version: GraphVersion) => {
  const context = (request: FastifyRequest, path: string) => `${baseUrl(request)}/${version}/$metadata#${path}`;
  /** The approval's own navigation name in this version: `stages` in v1.0, `steps` in beta. */
  const nav = version === 'v1.0' ? 'stages' : 'steps';

  app.get<{ Params: { id: string } }>(`${BASE}/:id`, { config: { pim: true, query: ['$expand', '$select'] } }, async (request) => {
    // The collection's bound function (Microsoft's schema) arrives here as an id: refused, never a silent 404.
    if (/^filterByCurrentUser\(/.test(request.params.id)) throw graphErrors.notEmulated(`Listing the caller's approvals for PIM for Groups (GET ${BASE}/filterByCurrentUser(on='{on}'); read one approval by the request's approvalId)`);
    const caller = request.caller!;
    requirePermission(caller, READ);
    const r = find(caller, request.params.id);
    const expand = (request.query as Record<string, string | undefined>).$expand;
    if (expand !== undefined && !(SEGMENTS as readonly string[]).includes(expand)) throw graphErrors.selectExpand(expand, 'microsoft.graph.approval');
    // v1.0 returns the stages inline (GDC approval-get example); beta's steps come with $expand, as for role approvals.
    const withStages = version === 'v1.0' || expand !== undefined;
    return {
      '@odata.context': context(request, `${CONTEXT}${expand ? `(${nav}())` : ''}/$entity`),
      id: r.id,
      ...(withStages ? { [nav]: [stageOf(caller, r)] } : {}),
    };
  });

  for (const segment of SEGMENTS) {
    app.get<{ Params: { id: string } }>(`${BASE}/:id/${segment}`, { config: { pim: true, query: [] } }, async (request) => {
      const caller = request.caller!;
      requirePermission(caller, READ);
      const r = find(caller, request.params.id);
      return { '@odata.context': context(request, `${CONTEXT}('${r.id}')/${segment}`), value: [stageOf(caller, r)] };
    });

    const loadStage = (caller: Caller, id: string, stageId: string): RequestRecord => {
      const r = find(caller, id);
      if (stageId.toLowerCase() !== r.id) throw new GraphError(404, 'NotFound', `The approval stage ${stageId} was not found.`);
      return r;
    };

    app.get<{ Params: { id: string; stageId: string } }>(`${BASE}/:id/${segment}/:stageId`, { config: { pim: true, query: [] } }, async (request) => {
      const caller = request.caller!;
      requirePermission(caller, READ);
      const r = loadStage(caller, request.params.id, request.params.stageId);
      return { '@odata.context': context(request, `${CONTEXT}('${r.id}')/${segment}/$entity`), ...stageOf(caller, r) };
    });

    // 204; 403 not an approver (or the requestor), 404 unknown approval, 409 already decided (GDC approvalstage-update @0713c450).
    app.patch<{ Params: { id: string; stageId: string }; Body: StageBody }>(`${BASE}/:id/${segment}/:stageId`, {
      schema: { body: StageBody },
      config: { pim: true, graphType: 'microsoft.graph.approvalStage' },
    }, async (request, reply) => {
      const caller = request.caller!;
      requirePermission(caller, WRITE);
      const result = REVIEW_RESULTS[request.body.reviewResult.toLowerCase()];
      if (!result) throw new GraphError(400, 'BadRequest', `reviewResult must be 'Approve' or 'Deny', not '${request.body.reviewResult}'.`);
      const r = loadStage(caller, request.params.id, request.params.stageId);
      const decision = { reviewResult: result, justification: request.body.justification ?? null };
      await ctx.commit(caller.tenant.tenant.id, caller.nowMs, (t) => decideApproval(t, ctx.store.system().roleDefinitions, r.id, actorOf(caller), decision, caller.nowMs, groups));
      return reply.status(204).send();
    });
  }
};
