import {
  array, bool, checkNestedType, integer, invalid, object, oneOf, rejectUnknown, sameType, show,
  type PatchContext, type RuleKind,
} from './common.js';

const SETTINGS = 'microsoft.graph.approvalSettings';
const STAGE = 'microsoft.graph.unifiedApprovalStage';
const SUBJECT_SET = 'microsoft.graph.subjectSet';

export const APPROVAL_MODES = ['SingleStage', 'Serial', 'Parallel', 'NoApproval'] as const;

/** A stage's values when the PATCH leaves some out: those of the default rule (reference §3.2). */
const DEFAULT_STAGE = {
  approvalStageTimeOutInDays: 1,
  isApproverJustificationRequired: true,
  escalationTimeInMinutes: 0,
  isEscalationEnabled: false,
  primaryApprovers: [] as unknown[],
  escalationApprovers: [] as unknown[],
};

/** The approvers PIM for Entra roles takes: single users and group members (reference §3.1, §3.4). */
const APPROVER_TYPES = {
  '#microsoft.graph.singleUser': { idProperty: 'userId', type: 'microsoft.graph.singleUser' },
  '#microsoft.graph.groupMembers': { idProperty: 'groupId', type: 'microsoft.graph.groupMembers' },
} as const;

function approvers(v: unknown, property: string, c: PatchContext): Record<string, unknown>[] {
  const where = `setting/approvalStages/${property}`;
  return array(v, where, STAGE).map((item) => {
    const o = object(item, where, STAGE);
    const t = o['@odata.type'];
    const known = typeof t === 'string' ? Object.entries(APPROVER_TYPES).find(([name]) => sameType(t, name)) : undefined;
    if (!known) {
      throw invalid(`${where}/@odata.type`, SUBJECT_SET, `each approver needs "@odata.type" '#microsoft.graph.singleUser' (with userId) or '#microsoft.graph.groupMembers' (with groupId), not ${show(t)}`);
    }
    const [odataType, { idProperty, type }] = known;
    // Terraform azuread and Microsoft's policy-update example for groups send the object id as `id`
    // (with `isBackup`), not userId/groupId (GDC unifiedrolemanagementpolicy-update.md example 2; AzAD
    // group_role_management_policy_resource.go): taken as the same id, stored as userId/groupId.
    rejectUnknown(o, [idProperty, 'id', 'description', 'isBackup'], type);
    if (o.isBackup !== undefined && o.isBackup !== null && typeof o.isBackup !== 'boolean') throw invalid('isBackup', type, `expected true or false, not ${show(o.isBackup)}`);
    const id = o[idProperty] ?? o.id;
    if (typeof id !== 'string') throw invalid(idProperty, type, `expected the object id of a ${idProperty === 'userId' ? 'user' : 'group'}, not ${show(id)}`);
    const k = id.toLowerCase();
    const exists = idProperty === 'userId' ? c.tenant.users.some((u) => u.id === k) : c.tenant.groups.some((g) => g.id === k);
    if (!exists) throw invalid(idProperty, type, `no ${idProperty === 'userId' ? 'user' : 'group'} with id '${id}' exists in the tenant`);
    const description = o.description ?? null;
    if (description !== null && typeof description !== 'string') throw invalid('description', type, `expected a string or null, not ${show(description)}`);
    return { '@odata.type': odataType, [idProperty]: id.toLowerCase(), description };
  });
}

function stage(v: unknown, c: PatchContext): Record<string, unknown> {
  const o = object(v, 'setting/approvalStages', SETTINGS);
  checkNestedType(o, 'approvalStages', STAGE, SETTINGS);
  rejectUnknown(o, Object.keys(DEFAULT_STAGE), STAGE);
  const out: Record<string, unknown> = { ...DEFAULT_STAGE };
  for (const [k, value] of Object.entries(o)) {
    if (k === '@odata.type') continue;
    switch (k) {
      case 'approvalStageTimeOutInDays':
        out[k] = integer(value, k, STAGE, 1, 365);
        break;
      case 'escalationTimeInMinutes':
        out[k] = integer(value, k, STAGE, 0, 2147483647);
        break;
      case 'isApproverJustificationRequired':
      case 'isEscalationEnabled':
        out[k] = bool(value, k, STAGE);
        break;
      case 'primaryApprovers':
        out[k] = approvers(value, k, c);
        break;
      case 'escalationApprovers':
        // Checked, but not kept: Microsoft's doc notes that setting escalationApprovers
        // "succeeds but isn't populated" (GDC concepts/how-to-pim-update-rules.md, reference §3.4).
        approvers(value, k, c);
        out[k] = [];
        break;
    }
  }
  return out;
}

export const approval: RuleKind = {
  properties: {
    setting: (v, c) => {
      const o = object(v, 'setting', c.type);
      checkNestedType(o, 'setting', SETTINGS, c.type);
      const names = ['isApprovalRequired', 'isApprovalRequiredForExtension', 'isRequestorJustificationRequired', 'approvalMode', 'approvalStages'];
      rejectUnknown(o, names, SETTINGS);
      // Merged into the stored setting; '@odata.type' of settings and stages is not stored (GET omits it).
      const out: Record<string, unknown> = { ...(c.rule.setting as Record<string, unknown> | undefined) };
      for (const [k, value] of Object.entries(o)) {
        if (k === '@odata.type') continue;
        if (k === 'approvalMode') out[k] = oneOf(value, k, SETTINGS, APPROVAL_MODES);
        else if (k === 'approvalStages') {
          const stages = array(value, k, SETTINGS);
          if (stages.length < 1 || stages.length > 2) throw invalid(k, SETTINGS, `expected one or two stages, not ${stages.length}`);
          out[k] = stages.map((s) => stage(s, c));
        } else out[k] = bool(value, k, SETTINGS);
      }
      return out;
    },
  },
};
