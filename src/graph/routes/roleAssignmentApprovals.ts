import { NullableString, Type, type Static } from '../../schema.js';
import { isDirectoryRoleRecord, type RequestRecord } from '../../pim/model.js';
import { decideApproval, type Decision } from '../../pim/approvals.js';
import { actorOf, hasPermission, type Caller } from '../caller.js';
import { GraphError, graphErrors } from '../errors.js';
import { baseUrl } from '../../web.js';
import { approvalStageToWire } from '../pim-wire.js';
import type { RouteModule } from '../types.js';

const BASE = '/roleManagement/directory/roleAssignmentApprovals';

/**
 * PIM approvals of role activations: beta only (reference §5). On v1.0 the segment does not exist
 * and Graph answers 400 "Resource not found for the segment 'roleAssignmentApprovals'." (§4.3, §11.7).
 */
/** PATCH …/steps/{id}: the decision (schema and type from one definition). */
const ApprovalStepBody = Type.Object(
  { '@odata.type': Type.Optional(Type.String()), reviewResult: Type.String(), justification: Type.Optional(NullableString()) },
  { additionalProperties: false },
);
type ApprovalStepBody = Static<typeof ApprovalStepBody>;

export const roleAssignmentApprovalsRoutes: RouteModule = (app, ctx, version) => {
  if (version === 'v1.0') {
    for (const url of [BASE, `${BASE}/*`]) {
      const notFound = async () => {
        throw graphErrors.segmentNotFound('roleAssignmentApprovals');
      };
      // The path is resolved before any query option or body is looked at, so ?$expand=steps gets the same answer.
      app.route({ method: ['GET', 'PATCH', 'POST'], url, onRequest: notFound, handler: notFound });
    }
    return;
  }

  const find = (caller: Caller, id: string): RequestRecord => {
    const r = caller.tenant.pim.requests.find((x) => x.kind === 'assignment' && isDirectoryRoleRecord(x) && x.approvalId === id && x.approval);
    // The requestor and the approvers can read an approval.
    if (!r || !(r.approval!.approverIds.includes(caller.id) || r.principalId === caller.id)) throw new GraphError(404, 'NotFound', `The approval ${id} was not found.`);
    return r;
  };
  const step = (caller: Caller, r: RequestRecord) => approvalStageToWire(r, caller.id, caller.nowMs);
  const context = (request: Parameters<typeof baseUrl>[0], path: string) => `${baseUrl(request)}/beta/$metadata#${path}`;

  // The approvals list of beta (issue #15): Microsoft's beta schema binds filterByCurrentUser(on) to
  // the approvals collection; on='approver' gives every approval of a directory-role request the
  // caller is an approver of, as on='approver' of the requests gives the requests (reference §5).
  // The collection itself has no documented list method, and target/createdBy are not emulated.
  app.get(`${BASE}/filterByCurrentUser(on='approver')`, { config: { pim: true, query: ['$expand'] } }, async (request) => {
    const caller = request.caller!;
    requireApprovalPermission(caller, false);
    const expand = (request.query as Record<string, string | undefined>).$expand;
    if (expand !== undefined && expand !== 'steps') throw graphErrors.selectExpand(expand, 'microsoft.graph.approval');
    const mine = caller.tenant.pim.requests.filter((x) => x.kind === 'assignment' && isDirectoryRoleRecord(x) && x.approval?.approverIds.includes(caller.id));
    return {
      '@odata.context': context(request, `Collection(approval)${expand ? '(steps())' : ''}`),
      value: mine.map((r) => ({ id: r.approvalId ?? r.id, ...(expand ? { steps: [step(caller, r)] } : {}) })),
    };
  });
  for (const [url, what] of [
    [BASE, "Listing every approval (GET /roleManagement/directory/roleAssignmentApprovals; use filterByCurrentUser(on='approver'), or read one by the request's approvalId)"],
    [`${BASE}/$count`, 'Counting approvals (GET /roleManagement/directory/roleAssignmentApprovals/$count)'],
  ] as const) {
    app.get(url, { config: { pim: true } }, async () => {
      throw graphErrors.notEmulated(what);
    });
  }

  app.get<{ Params: { id: string } }>(`${BASE}/:id`, { config: { pim: true, query: ['$expand', '$select'] } }, async (request) => {
    const caller = request.caller!;
    const fn = /^filterByCurrentUser\(on='([^']*)'\)$/.exec(request.params.id);
    if (fn) throw new GraphError(400, 'BadRequest', `filterByCurrentUser(on='${fn[1]}') is not supported. Supported: on='approver'.`);
    requireApprovalPermission(caller, false);
    const r = find(caller, request.params.id);
    const expand = (request.query as Record<string, string | undefined>).$expand;
    if (expand !== undefined && expand !== 'steps') throw graphErrors.selectExpand(expand, 'microsoft.graph.approval');
    return {
      '@odata.context': context(request, `roleManagement/directory/roleAssignmentApprovals${expand ? '(steps())' : ''}/$entity`),
      id: r.id,
      ...(expand ? { steps: [step(caller, r)] } : {}),
    };
  });

  app.get<{ Params: { id: string } }>(`${BASE}/:id/steps`, { config: { pim: true, query: [] } }, async (request) => {
    const caller = request.caller!;
    requireApprovalPermission(caller, false);
    const r = find(caller, request.params.id);
    return { '@odata.context': context(request, `roleManagement/directory/roleAssignmentApprovals('${r.id}')/steps`), value: [step(caller, r)] };
  });

  app.get<{ Params: { id: string; stepId: string } }>(`${BASE}/:id/steps/:stepId`, { config: { pim: true, query: [] } }, async (request) => {
    const caller = request.caller!;
    requireApprovalPermission(caller, false);
    const r = find(caller, request.params.id);
    if (request.params.stepId !== r.id) throw new GraphError(404, 'NotFound', `The approval step ${request.params.stepId} was not found.`);
    return { '@odata.context': context(request, `roleManagement/directory/roleAssignmentApprovals('${r.id}')/steps/$entity`), ...step(caller, r) };
  });

  app.patch<{ Params: { id: string; stepId: string }; Body: ApprovalStepBody }>(`${BASE}/:id/steps/:stepId`, {
    schema: { body: ApprovalStepBody },
    config: { pim: true, graphType: 'microsoft.graph.approvalStep' },
  }, async (request, reply) => {
    const caller = request.caller!;
    requireApprovalPermission(caller, true);
    if (caller.kind !== 'user') throw new GraphError(403, 'Forbidden', 'Approving requires a signed-in user (delegated token); application permissions are not supported.');
    const result = ({ approve: 'Approve', approved: 'Approve', deny: 'Deny', denied: 'Deny' } as Record<string, Decision['reviewResult']>)[request.body.reviewResult.toLowerCase()];
    if (!result) throw new GraphError(400, 'BadRequest', `reviewResult must be 'Approve' or 'Deny', not '${request.body.reviewResult}'.`);
    const r = find(caller, request.params.id);
    if (request.params.stepId !== r.id) throw new GraphError(404, 'NotFound', `The approval step ${request.params.stepId} was not found.`);
    const decision = { reviewResult: result, justification: request.body.justification ?? null };
    await ctx.commit(caller.tenant.tenant.id, caller.nowMs, (t) => decideApproval(t, ctx.store.system().roleDefinitions, request.params.id, actorOf(caller), decision, caller.nowMs));
    return reply.status(204).send();
  });
};

/**
 * The service demanded PrivilegedAccess.*.AzureAD for these calls, with this error shape, empty code
 * included (reference §4.2, LAB 67241082350).
 */
function requireApprovalPermission(caller: Caller, write: boolean): void {
  const ok = hasPermission(caller, {
    delegated: write ? ['PrivilegedAccess.ReadWrite.AzureAD', 'RoleAssignmentSchedule.ReadWrite.Directory'] : ['PrivilegedAccess.ReadWrite.AzureAD', 'PrivilegedAccess.Read.AzureAD', 'RoleAssignmentSchedule.ReadWrite.Directory'],
    application: [],
  });
  if (!ok) throw new GraphError(403, '', 'Valid permissions not present. User needs one of the following permissions for this action : PrivilegedAccess.ReadWrite.AzureAD,PrivilegedAccess.Read.AzureAD');
}
