import { array, bool, invalid, oneOf, show, type RuleKind } from './common.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const notification: RuleKind = {
  properties: {
    notificationType: (v, c) => oneOf(v, 'notificationType', c.type, ['Email'] as const),
    recipientType: (v, c) => {
      const given = oneOf(v, 'recipientType', c.type, ['Requestor', 'Approver', 'Admin'] as const);
      // The recipient is part of the rule's identity (Notification_{recipient}_{caller}_{level}).
      if (given !== c.rule.recipientType) throw invalid('recipientType', c.type, `rule '${c.rule.id}' notifies the ${String(c.rule.recipientType)}; its recipientType cannot change to ${show(v)}`);
      return given;
    },
    notificationLevel: (v, c) => oneOf(v, 'notificationLevel', c.type, ['None', 'Critical', 'All'] as const),
    isDefaultRecipientsEnabled: (v, c) => bool(v, 'isDefaultRecipientsEnabled', c.type),
    notificationRecipients: (v, c) =>
      array(v, 'notificationRecipients', c.type).map((r) => {
        if (typeof r !== 'string' || !EMAIL.test(r)) throw invalid('notificationRecipients', c.type, `expected e-mail addresses, not ${show(r)}`);
        return r;
      }),
  },
};
