import { access, syncAccess, withPersonas } from '../access.js';
import { GraphFailure, emu } from '../api.js';
import { KEY } from '../config.js';
import { store, kept, h, fill, put, announce } from '../dom.js';
import { errorBanner } from '../errors.js';
import { flash } from '../flash.js';
import { rememberKey } from '../keys.js';
import { go } from '../router.js';
import { startSignIn } from '../session.js';
import { header } from '../ui.js';
import type { Obj } from '../types.js';

// ------------------------------------------------------------------ landing and home

export async function landingView(view: HTMLElement): Promise<void> {
  header(view, { title: 'PIM workshop portal', subtitle: 'Microsoft Entra Privileged Identity Management, emulated on this machine by entra-pim-emulator. Sign in as a workshop persona to walk the five phases.' });
  let tenants: Obj[] = [];
  try {
    tenants = await emu('/tenants');
  } catch (e) {
    put(view, errorBanner(e, 'The tenant list could not be read'));
  }
  const remembered = store.get(KEY.tenant);
  const chosen = tenants.find((t) => t.name === remembered) ?? tenants[0];
  const select = h('select', { id: 'tenant', value: chosen?.name },
    tenants.map((t) => h('option', { value: t.name, text: `${t.name} (${t.domain})${(t.licenses ?? []).length ? '' : ' \u2014 no P2 licence'}` })));
  const skip = h('input', { type: 'checkbox', id: 'skip-mfa', checked: Boolean(store.get(KEY.skipMfa)) });
  const personas = h('div', { id: 'personas' });
  let painting = 0;
  const paintPersonas = async () => {
    const mine = ++painting;
    // With keys in force, a tenant's personas are shown only to the team holding its key.
    const t = await withPersonas(tenants.find((x) => x.name === select.value));
    if (mine !== painting) return;
    fill(personas, t && t.users === null
      ? h('p', { class: 'hint', id: 'personas-hidden', text: `The personas of ${t.name} are shown to the team that holds its key. Create your team’s tenant below, or enter your team’s key.` })
      : [h('p', { class: 'hint', text: 'Or start with a persona (the user name is filled in):' }),
        h('div', { class: 'buttons' }, ((t?.users ?? []) as Obj[]).map((u) =>
          h('button', { type: 'button', onclick: () => go2(u.userPrincipalName), 'aria-label': `Sign in as ${u.userPrincipalName}` }, `Sign in as ${u.userPrincipalName.split('@')[0]}@`)))],
    );
  };
  const go2 = (loginHint: string | undefined) => {
    store.set(KEY.tenant, select.value);
    store.set(KEY.skipMfa, skip.checked);
    void startSignIn({ tenant: select.value, loginHint, mfa: !skip.checked, returnTo: '#/pim' });
  };
  select.addEventListener('change', () => {
    store.set(KEY.tenant, select.value);
    void paintPersonas();
  });
  void paintPersonas();
  const choose = (t: Obj) => {
    if (!tenants.some((x) => x.name === t.name)) {
      tenants.push(t);
      select.append(h('option', { value: t.name, text: `${t.name} (${t.domain})${(t.licenses ?? []).length ? '' : ' \u2014 no P2 licence'}` }));
    }
    select.value = t.name;
    store.set(KEY.tenant, t.name);
    void paintPersonas();
  };
  put(view, h('div', { class: 'landing' },
    h('section', { class: 'blade', 'aria-labelledby': 'signin-h' },
      h('h2', { id: 'signin-h', text: 'Sign in' }),
      h('label', { for: 'tenant', text: 'Tenant' }), select,
      createTenantForm(tenants, choose),
      access.keysRequired ? keyForm(tenants, choose) : null,
      h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', id: 'sign-in', onclick: () => go2(undefined) }, 'Sign in')),
      personas,
      h('div', { class: 'banner emu' },
        h('p', {}, h('strong', { text: 'Emulator' }), ' \u2014 not part of Microsoft Entra. Every persona\u2019s password is ', h('span', { class: 'code', text: 'Passw0rd!' }), '; the MFA codes are on the ', h('a', { href: '#/emulator', text: 'Emulator panel' }), '.'),
        h('div', { class: 'check' }, skip, h('label', { for: 'skip-mfa', class: 'inline', text: 'Offer \u201cSign in without MFA\u201d (to see PIM ask for verification at activation in Phase 4)' })),
        h('p', { class: 'hint', text: 'Microsoft enforces MFA on its admin portals, so by default this portal asks for it at every sign-in (amr_values=mfa).' }))),
    h('section', { class: 'blade', 'aria-labelledby': 'phases-h' },
      h('h2', { id: 'phases-h', text: 'The five phases' }),
      h('ol', {},
        h('li', { text: 'pimuser: My roles \u203a Microsoft Entra roles is empty.' }),
        h('li', { text: 'admin: Manage \u203a Settings \u203a Security Reader \u203a Edit: 8 hours, MFA and justification on activation, no permanent active assignment.' }),
        h('li', { text: 'admin: Manage \u203a Roles \u203a Security Reader \u203a + Add assignments: pimuser, Eligible, permanently. A mail arrives in the admin\u2019s Inbox.' }),
        h('li', { text: 'pimuser: My roles \u203a Activate, with a reason and MFA. A second mail arrives.' }),
        h('li', { text: 'admin: Manage \u203a Assignments \u203a pimuser \u203a Remove (or Update) when the project ends.' })),
      h('p', {}, 'The ', h('a', { href: '#/guide', text: 'Workshop guide' }), ' tells the same story and ticks each phase as your tenant reaches it.'))));
}

/** What the tenant API's refusals mean, for people. */
const TENANT_WORDS: Record<string, (name: string) => string> = {
  InvalidTenantName: (name: string) => `\u201c${name}\u201d cannot be a tenant name. Use lowercase letters, digits and hyphens only (no spaces, no capitals), up to 63 characters, not starting with a hyphen: for example team07.`,
  TenantExists: (name: string) => `A tenant named \u201c${name}\u201d exists already. If it is your team\u2019s, choose it in the Tenant list above; otherwise pick another name.`,
  TenantNotFound: () => 'The tenant to copy does not exist any more (was the emulator reset or reseeded?). Reload this page.',
  InvalidRequest: () => 'The emulator did not accept the request.',
};

/**
 * "Create my tenant": a team's own copy of contoso (POST /_emulator/tenants {"name","from"}), with
 * the same personas under {name}.onmicrosoft.com. On success the new tenant is selected (`choose`).
 */
function createTenantForm(tenants: Obj[], choose: (t: Obj) => void): HTMLElement {
  const from = tenants.some((t) => t.name === 'contoso') ? 'contoso' : tenants[0]?.name;
  // "Team name", not "Tenant name": the Tenant picker keeps the only label that says Tenant.
  const name = h('input', { type: 'text', id: 'new-tenant', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: 'team07', 'aria-describedby': 'new-tenant-hint' });
  const button = h('button', { type: 'submit', id: 'create-tenant' }, 'Create my tenant');
  const hint = h('p', { class: 'hint', id: 'new-tenant-hint' });
  const result = h('div', { id: 'create-tenant-result' });
  const paintHint = () => {
    const v = name.value.trim();
    const domain = /^[a-z0-9][a-z0-9-]{0,62}$/.test(v || 'team07') ? `Your tenant will be ${v || 'team07'}.onmicrosoft.com.` : 'Use lowercase letters, digits and hyphens.';
    hint.textContent = `Your team\u2019s own copy of ${from ?? 'the first tenant'}: the same personas and passwords, default role settings, no history. ${domain}`;
  };
  name.addEventListener('input', paintHint);
  paintHint();
  // Not labelled by its heading: a form named "…tenant" would be one more match for the label Tenant.
  const form = h('form', { class: 'create-tenant', id: 'create-tenant-form', novalidate: true },
    h('h3', { id: 'create-tenant-h', text: 'Create my tenant' }),
    h('label', { for: 'new-tenant', text: 'Team name' }),
    h('div', { class: 'filterbar' }, name, button),
    hint,
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const wanted = name.value.trim();
    if (!wanted) {
      fill(result, h('div', { class: 'banner error', role: 'alert' }, h('p', { text: 'Type a name for your tenant first, such as team07.' })));
      name.focus();
      return;
    }
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const t = await emu('/tenants', { method: 'POST', body: { name: wanted, ...(from ? { from } : {}) } });
      // The tenant key comes back once: this browser keeps it (every tab), and the team copies it to its other browsers.
      if (t.key) rememberKey(t.name, t.key);
      choose(t);
      name.value = '';
      paintHint();
      const text = `Created ${t.name}: ${t.domain}, a copy of ${t.clonedFrom}. It is selected in the Tenant list.`;
      fill(result, h('div', { class: 'banner ok', role: 'status', id: 'created-tenant' },
        h('p', {}, h('strong', { text: `Created ${t.name}.` }), ' Domain: ', h('span', { class: 'code', id: 'created-domain', text: t.domain }), `, a copy of ${t.clonedFrom}. It is selected in the Tenant list above.`),
        h('p', {}, 'Its personas (password ', h('span', { class: 'code', text: 'Passw0rd!' }), '):'),
        h('ul', { id: 'created-personas' }, (t.users as Obj[]).map((u) => h('li', {}, `${u.displayName} \u2014 `, h('span', { class: 'code', text: u.userPrincipalName })))),
        t.key && access.keysRequired ? h('p', {}, 'Your team\u2019s key (shown once; this browser keeps it, your team\u2019s other browsers need it): ', h('span', { class: 'code', id: 'created-key', text: t.key })) : null));
      announce(text);
    } catch (e) {
      const code = e instanceof GraphFailure ? e.code : '';
      const words = TENANT_WORDS[code]?.(wanted) ?? 'The emulator could not create the tenant.';
      const existing = code === 'TenantExists' ? tenants.find((t) => t.name === wanted) : undefined;
      fill(result, h('div', { class: 'banner error', role: 'alert', id: 'create-tenant-error' },
        h('p', {}, h('strong', { text: 'Your tenant was not created. ' }), words),
        existing ? h('p', {}, h('button', { type: 'button', id: 'use-existing-tenant', onclick: () => {
          choose(existing);
          fill(result, h('p', { class: 'hint', role: 'status', text: `${existing.name} (${existing.domain}) is selected.` }));
        } }, `Use ${existing.name}`)) : null,
        h('p', { class: 'hint' }, 'The emulator said: ', h('span', { class: 'code', text: e instanceof GraphFailure ? `${e.status} ${code || 'Error'}: ${e.message}` : String((e as Error)?.message ?? e) }))));
      name.focus();
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
  return form;
}

/**
 * "Your team's key": a team's other browsers (and the instructor, with the admin key) enter the key
 * here; the emulator says what it reaches (GET /_emulator/access) and this browser keeps it.
 */
function keyForm(tenants: Obj[], choose: (t: Obj) => void): HTMLElement {
  const input = h('input', { type: 'password', id: 'team-key', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'team-key-hint' });
  const result = h('div', { id: 'team-key-result' });
  const form = h('form', { class: 'create-tenant', id: 'team-key-form', novalidate: true },
    h('h3', { text: 'I have a key' }),
    h('label', { for: 'team-key', text: 'Your team\u2019s key' }),
    h('div', { class: 'filterbar' }, input, h('button', { type: 'submit', id: 'use-key' }, 'Use key')),
    h('p', { class: 'hint', id: 'team-key-hint', text: 'The key your team got when it created its tenant (or the instructor\u2019s admin key). It unlocks that tenant\u2019s personas, MFA codes, clock, inbox and reset in this browser.' }),
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    let said;
    try {
      said = key ? await emu('/access', { key }) : undefined;
    } catch {
      said = undefined;
    }
    if (said?.scope === 'tenant') {
      rememberKey(said.tenant, key);
      input.value = '';
      const t = tenants.find((x) => x.name === said.tenant);
      if (t) choose(t);
      fill(result, h('p', { class: 'banner ok', role: 'status', text: `This browser now holds ${said.tenant}\u2019s key.` }));
    } else if (said?.scope === 'admin') {
      kept.set(KEY.adminKey, key);
      await syncAccess();
      flash('ok', 'Instructor view: this browser holds the admin key and sees every tenant.');
      go('#/emulator');
    } else {
      fill(result, h('div', { class: 'banner error', role: 'alert' }, h('p', { text: 'That key is neither a tenant\u2019s key nor the admin key (a key stops working when its tenant is deleted or the whole emulator is reset).' })));
    }
  });
  return form;
}
