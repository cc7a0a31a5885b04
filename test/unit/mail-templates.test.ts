import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { catalogueMarkdown, MAIL_CATALOGUE } from '../../scripts/mail-catalogue.js';
import {
  activationApprovalRequestedMail, activationDecidedMail, activeAssignedMail, assignmentExtendedMail, assignmentRemovedMail,
  assignmentRenewedMail, assignmentUpdatedMail, eligibleAssignedMail, escapeHtml, expiryReminderMail,
  extensionDecidedMail, extensionRequestedMail, roleActivatedMail, roleDeactivatedMail,
  type MailAudience, type MailFacts, type RenderedMail,
  mailTime,
} from '../../src/mail/templates.js';

const PORTAL = 'https://localhost:8443/#/roles/5d6b6bb7-de71-4623-b4af-96380a352509';

function facts(overrides: Partial<MailFacts> = {}): MailFacts {
  return {
    tenant: { name: 'contoso', displayName: 'Contoso', domain: 'contoso.onmicrosoft.com' },
    user: { displayName: 'PIM User', userPrincipalName: 'pimuser@contoso.onmicrosoft.com' },
    role: { id: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader' },
    kind: 'eligibility',
    start: '2025-06-01T08:00:00Z',
    end: '2025-09-01T08:00:00Z',
    justification: 'Reviewing sign-in logs for compliance audit',
    ticket: { ticketNumber: 'INC1234', ticketSystem: 'ServiceNow' },
    requestId: '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11',
    actor: { displayName: 'Contoso Admin' },
    portalUrl: PORTAL,
    audience: 'admin',
    ...overrides,
  };
}

const as = (audience: MailAudience, o: Partial<MailFacts> = {}) => facts({ audience, ...o });

describe('subjects', () => {
  it('reproduce the example Microsoft documents (reference §8)', () => {
    const f = facts({ user: { displayName: 'Alain Charon', userPrincipalName: 'alain@contoso.onmicrosoft.com' }, role: { id: 'x', displayName: 'Backup Reader' }, kind: 'assignment', end: null });
    expect(activeAssignedMail(f).subject).toBe('PIM: Alain Charon was permanently assigned the Backup Reader role');
  });

  it('say whether an eligible assignment is permanent, and speak to the assigned user in the second person', () => {
    expect(eligibleAssignedMail(as('admin', { end: null })).subject).toBe('PIM: PIM User was made permanently eligible for the Security Reader role');
    expect(eligibleAssignedMail(as('admin')).subject).toBe('PIM: PIM User was made eligible for the Security Reader role');
    expect(eligibleAssignedMail(as('requestor')).subject).toBe('PIM: You are eligible for the Security Reader role');
  });

  it('name active assignments and activations', () => {
    const active = { kind: 'assignment' as const };
    expect(activeAssignedMail(as('admin', active)).subject).toBe('PIM: PIM User was assigned the Security Reader role');
    expect(activeAssignedMail(as('requestor', active)).subject).toBe('PIM: You are assigned the Security Reader role');
    expect(roleActivatedMail(as('admin', active)).subject).toBe('PIM: PIM User has the Security Reader role activated');
    expect(roleActivatedMail(as('requestor', active)).subject).toBe('PIM: You have activated the Security Reader role');
    expect(roleDeactivatedMail(as('requestor', active)).subject).toBe('PIM: You deactivated the Security Reader role');
  });

  it('name approvals and their decisions', () => {
    const active = { kind: 'assignment' as const };
    expect(activationApprovalRequestedMail(as('approver', active)).subject).toBe('PIM: PIM User requests approval to activate the Security Reader role');
    expect(activationDecidedMail(as('requestor', active), 'approved').subject).toBe('PIM: Your request to activate the Security Reader role was approved');
    expect(activationDecidedMail(as('requestor', active), 'denied').subject).toBe('PIM: Your request to activate the Security Reader role was denied');
  });

  it('name updates, extensions, renewals and removals', () => {
    expect(assignmentUpdatedMail(as('admin')).subject).toBe("PIM: PIM User's Security Reader assignment was updated");
    expect(assignmentUpdatedMail(as('requestor')).subject).toBe('PIM: Your Security Reader assignment was updated');
    expect(assignmentExtendedMail(as('admin')).subject).toBe("PIM: PIM User's Security Reader assignment was extended");
    expect(assignmentRenewedMail(as('requestor')).subject).toBe('PIM: Your Security Reader assignment was renewed');
    expect(assignmentRemovedMail(as('admin')).subject).toBe('PIM: PIM User was removed from the Security Reader role');
    expect(assignmentRemovedMail(as('requestor')).subject).toBe('PIM: You were removed from the Security Reader role');
  });

  it('name the three expiry mails', () => {
    expect(expiryReminderMail(as('admin'), '14d').subject).toBe("PIM: PIM User's Security Reader assignment expires in 14 days");
    expect(expiryReminderMail(as('admin'), '1d').subject).toBe("PIM: PIM User's Security Reader assignment expires in 1 day");
    expect(expiryReminderMail(as('admin'), 'expired').subject).toBe("PIM: PIM User's Security Reader assignment has expired");
    expect(expiryReminderMail(as('requestor'), '14d').subject).toBe('PIM: Your Security Reader assignment expires in 14 days');
    expect(expiryReminderMail(as('requestor'), '1d').subject).toBe('PIM: Your Security Reader assignment expires in 1 day');
    expect(expiryReminderMail(as('requestor'), 'expired').subject).toBe('PIM: Your Security Reader assignment has expired');
  });

  it('name extension and renewal requests and decisions', () => {
    expect(extensionRequestedMail(as('admin'), 'extend').subject).toBe('PIM: PIM User requests to extend the Security Reader role');
    expect(extensionRequestedMail(as('approver'), 'renew').subject).toBe('PIM: PIM User requests to renew the Security Reader role');
    expect(extensionDecidedMail(as('requestor'), 'extend', 'approved').subject).toBe('PIM: Your request to extend the Security Reader role was approved');
    expect(extensionDecidedMail(as('requestor'), 'renew', 'denied').subject).toBe('PIM: Your request to renew the Security Reader role was denied');
  });

  it('never carry a line break into the Subject header', () => {
    const m = eligibleAssignedMail(facts({ user: { displayName: 'Evil\r\nBcc: x@example.com', userPrincipalName: null } }));
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toBe('PIM: Evil Bcc: x@example.com was made eligible for the Security Reader role');
  });
});

/** Every template, for every audience it can be rendered for. */
const ALL: Array<[string, (f: MailFacts) => RenderedMail]> = [
  ['eligibleAssigned', eligibleAssignedMail],
  ['activeAssigned', activeAssignedMail],
  ['roleActivated', roleActivatedMail],
  ['approvalRequested', activationApprovalRequestedMail],
  ['activationApproved', (f) => activationDecidedMail(f, 'approved')],
  ['activationDenied', (f) => activationDecidedMail(f, 'denied')],
  ['updated', assignmentUpdatedMail],
  ['extended', assignmentExtendedMail],
  ['renewed', assignmentRenewedMail],
  ['removed', assignmentRemovedMail],
  ['deactivated', roleDeactivatedMail],
  ['reminder14d', (f) => expiryReminderMail(f, '14d')],
  ['reminder1d', (f) => expiryReminderMail(f, '1d')],
  ['expired', (f) => expiryReminderMail(f, 'expired')],
  ['extendRequested', (f) => extensionRequestedMail(f, 'extend')],
  ['renewRequested', (f) => extensionRequestedMail(f, 'renew')],
  ['extendDecided', (f) => extensionDecidedMail(f, 'extend', 'approved')],
  ['renewDecided', (f) => extensionDecidedMail(f, 'renew', 'denied')],
];

describe('bodies', () => {
  const EXPECTED = ['Security Reader', 'PIM User', 'pimuser@contoso.onmicrosoft.com', 'Contoso', 'contoso.onmicrosoft.com', 'Reviewing sign-in logs for compliance audit', 'INC1234', 'ServiceNow', '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11', mailTime('2025-06-01T08:00:00Z'), mailTime('2025-09-01T08:00:00Z'), PORTAL];

  for (const [name, mail] of ALL) {
    for (const audience of ['admin', 'requestor', 'approver'] as const) {
      it(`${name} to the ${audience}: both parts carry every fact and the portal link`, () => {
        const m = mail(as(audience));
        expect(m.subject.startsWith('PIM: ')).toBe(true);
        for (const part of [m.text, m.html]) for (const fact of EXPECTED) expect(part).toContain(fact);
        expect(m.html).toContain(`href="${PORTAL}"`);
      });
    }
  }

  it('write "Permanent" for an assignment with no end', () => {
    const m = activeAssignedMail(facts({ kind: 'assignment', end: null }));
    expect(m.text).toMatch(/End:\s+Permanent/);
    expect(m.html).toContain('>Permanent</td>');
  });

  it('leave out what is not known', () => {
    const m = eligibleAssignedMail(facts({ justification: null, ticket: { ticketNumber: null, ticketSystem: null }, requestId: null, actor: null }));
    for (const label of ['Justification', 'Ticket', 'Request ID', 'Requested by']) {
      expect(m.text).not.toContain(`${label}:`);
      expect(m.html).not.toContain(`>${label}</th>`);
    }
    expect(m.text).toContain('An administrator made PIM User eligible');
  });

  it('escape HTML in every value, and keep the plain text verbatim', () => {
    const m = roleActivatedMail(facts({
      kind: 'assignment',
      justification: '<script>alert("x")</script> & more',
      user: { displayName: 'O\'Brien <b>', userPrincipalName: 'obrien@contoso.onmicrosoft.com' },
      portalUrl: 'https://localhost:8443/#/roles/"><script>',
    }));
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(m.html).toContain('O&#39;Brien &lt;b&gt;');
    expect(m.html).toContain('href="https://localhost:8443/#/roles/&quot;&gt;&lt;script&gt;"');
    expect(m.text).toContain('<script>alert("x")</script> & more');
  });

  it('load nothing from outside: inline styles, no images, scripts or stylesheets, no link but the portal', () => {
    const m = eligibleAssignedMail(facts());
    expect(m.html).not.toMatch(/<(img|script|link|style|iframe)\b/i);
    expect(m.html).not.toMatch(/\bsrc=/i);
    expect(m.html.match(/https?:\/\/[^"<\s]+/g)!.every((u) => u === PORTAL)).toBe(true);
    expect(m.html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('escapeHtml covers the five characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('the catalogue', () => {
  it('lists every mail with a PIM: subject, a trigger, recipients and the rule that controls it', () => {
    expect(MAIL_CATALOGUE.length).toBeGreaterThan(30);
    for (const c of MAIL_CATALOGUE) {
      expect(c.subject).toMatch(/^PIM: /);
      expect(c.trigger).not.toBe('');
      expect(c.recipients).not.toBe('');
      expect(c.rules.length).toBeGreaterThan(0);
      for (const r of c.rules) expect(r).toMatch(/^Notification_(Admin|Requestor|Approver)_(Admin_Eligibility|Admin_Assignment|EndUser_Assignment)$/);
    }
    const subjects = MAIL_CATALOGUE.map((c) => c.subject);
    expect(subjects).toContain('PIM: {user} was permanently assigned the {role} role');
    expect(subjects).toContain("PIM: {user}'s {role} assignment expires in 14 days");
    expect(MAIL_CATALOGUE.filter((c) => c.critical).map((c) => c.audience).sort()).toEqual(['admin', 'admin', 'approver', 'approver', 'approver']);
  });

  it('is the table in src/mail/README.md', () => {
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'src', 'mail', 'README.md'), 'utf8');
    expect(readme).toContain(catalogueMarkdown());
  });
});
