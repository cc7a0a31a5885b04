import type { RoleDefinition } from '../directory/model.js';
import type { Subscriber } from '../events.js';
import { untracked } from '../tracked.js';
import { mailsFor } from './notify.js';
import type { Outbox } from './outbox.js';

/**
 * PIM's notification mails as a subscriber of domain events: the mails of a change go into the
 * tenant's outbox in the same store write as the change, and are sent once it is durable.
 */
export function mailSubscriber(o: { outbox: Outbox; roles: () => RoleDefinition[]; portalBase: () => string; newId: () => string }): Subscriber {
  return {
    inWrite(t, events, nowMs) {
      const roles = o.roles();
      // Recipients and bodies only read the tenant: read the plain data, not the update's tracking view.
      const plain = untracked(t);
      const options = { portalBase: o.portalBase(), newId: o.newId };
      for (const e of events) t.outbox.push(...mailsFor(e, plain, roles, nowMs, options));
    },
    afterCommit() {
      void o.outbox.kick();
    },
  };
}
