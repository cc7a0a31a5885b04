import Fastify, { type FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Inbox, matchesMailpitQuery } from '../../src/mail/inbox.js';
import type { InboxMessage } from '../../src/mail/types.js';
import { mailPlugin } from '../../src/emulator/mail.js';

const PIM_FROM = { name: 'Microsoft Security', address: 'MSSecurity-noreply@microsoft.com' };
const activated = {
  from: PIM_FROM,
  to: 'pimuser@contoso.example',
  subject: 'PIM: Adele Vance activated the Security Reader role',
  text: 'Adele Vance activated Security Reader for 8 hours.\nJustification: incident 42',
  html: '<p>Adele Vance activated <b>Security Reader</b> for 8 hours.</p>',
  headers: { 'X-PIM-Event': 'roleActivated', 'X-PIM-Request-Id': 'req-1' },
};

describe('the captured inbox', () => {
  let inbox: Inbox;
  let app: FastifyInstance;
  let transport: nodemailer.Transporter;

  beforeAll(async () => {
    inbox = new Inbox();
    const port = await inbox.start(0, '127.0.0.1');
    // One pooled connection: smtp-server holds every new connection's greeting 100 ms (early-talker check).
    transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 });
    app = Fastify();
    await app.register(mailPlugin, { inbox });
    await app.ready();
  });
  afterAll(async () => {
    transport.close();
    await app.close();
    await inbox.stop();
  });
  beforeEach(() => inbox.clear());

  const send = (mail: nodemailer.SendMailOptions) => transport.sendMail(mail);
  const get = (url: string) => app.inject({ method: 'GET', url });
  const del = (url: string, payload?: object) => app.inject({ method: 'DELETE', url, ...(payload ? { payload } : {}) });
  const plain = (to: string, subject: string, text = 'body', from: string | { name: string; address: string } = 'robot@contoso.example') => send({ from, to, subject, text });

  describe('over SMTP', () => {
    it('captures a text and html mail with its headers, raw source and size', async () => {
      const info = await send(activated);
      const list = await get('/_emulator/mail');
      expect(list.statusCode).toBe(200);
      const body = list.json();
      expect(body).toMatchObject({ total: 1, count: 1, start: 0 });
      const summary = body.messages[0];
      expect(Object.keys(summary).sort()).toEqual(['date', 'from', 'id', 'messageId', 'received', 'size', 'snippet', 'subject', 'to'].sort());
      expect(summary).toMatchObject({ subject: activated.subject, to: [{ name: '', address: 'pimuser@contoso.example' }], messageId: info.messageId.replace(/^<|>$/g, '') });
      expect(summary.id).toMatch(/^[A-Za-z0-9_-]{8,32}$/);
      expect(summary.snippet).toBe('Adele Vance activated Security Reader for 8 hours. Justification: incident 42');

      const full = (await get(`/_emulator/mail/${summary.id}`)).json();
      expect(full).toMatchObject({ id: summary.id, from: PIM_FROM, cc: [], text: expect.stringContaining('Justification: incident 42'), html: activated.html });
      // nodemailer writes custom header names in its own case (X-Pim-Event); the list keeps what was sent.
      expect(full.headers).toEqual(expect.arrayContaining([{ key: 'X-Pim-Event', value: 'roleActivated' }, { key: 'Subject', value: activated.subject }]));
      expect(Date.parse(full.received)).toBeGreaterThan(Date.now() - 60_000);

      const raw = await get(`/_emulator/mail/${summary.id}/raw`);
      expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(raw.body).toMatch(/^X-PIM-Request-Id: req-1$/im);
      expect(raw.body).toContain('Content-Type: multipart/alternative');
      expect(full.size).toBe(Buffer.byteLength(raw.body));
    });

    it('parses a From display name into name and address', async () => {
      await plain('pimuser@contoso.example', 'hello', 'hi', { name: 'Adele Vance', address: 'adelev@contoso.example' });
      const m = (await get('/_emulator/mail/latest')).json();
      expect(m.from).toEqual({ name: 'Adele Vance', address: 'adelev@contoso.example' });
    });

    it('drops a second copy of a Message-ID it already holds (an outbox retry)', async () => {
      await send({ ...activated, messageId: '<outbox-1@pim-emulator>' });
      await send({ ...activated, messageId: '<outbox-1@pim-emulator>' });
      await send({ ...activated, messageId: '<outbox-2@pim-emulator>' });
      const body = (await get('/_emulator/mail')).json();
      expect(body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['outbox-2@pim-emulator', 'outbox-1@pim-emulator']);
    });

    it('captures a Message-ID exactly once, even when the first copy was deleted before the retry', async () => {
      await send({ ...activated, messageId: '<outbox-3@pim-emulator>' });
      expect((await del('/_emulator/mail')).statusCode).toBe(204);
      await send({ ...activated, messageId: '<outbox-3@pim-emulator>' });
      await send({ ...activated, messageId: '<outbox-4@pim-emulator>' });
      const body = (await get('/_emulator/mail')).json();
      expect(body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['outbox-4@pim-emulator']);
    });
  });

  describe('GET /_emulator/mail', () => {
    beforeEach(async () => {
      await plain('pimuser@contoso.example', 'Security Reader activated', 'approved by admin');
      await plain('admin@contoso.example', 'Approval needed: Security Reader', 'please approve', { name: 'Adele Vance', address: 'adelev@contoso.example' });
      await plain('pimuser@contoso.example', 'Global Reader expires soon', 'your activation ends in 1 hour');
    });

    const subjects = async (query: string) => (await get(`/_emulator/mail?${query}`)).json().messages.map((m: { subject: string }) => m.subject);

    it('lists newest first', async () => {
      expect(await subjects('')).toEqual(['Global Reader expires soon', 'Approval needed: Security Reader', 'Security Reader activated']);
    });

    it('filters by recipient, sender name, subject and free text, case-insensitively', async () => {
      expect(await subjects('to=PIMUSER')).toEqual(['Global Reader expires soon', 'Security Reader activated']);
      expect(await subjects('from=adele')).toEqual(['Approval needed: Security Reader']);
      expect(await subjects('subject=security%20reader')).toEqual(['Approval needed: Security Reader', 'Security Reader activated']);
      expect(await subjects('text=ends%20in')).toEqual(['Global Reader expires soon']);
      expect(await subjects('to=pimuser&subject=security')).toEqual(['Security Reader activated']);
      expect(await subjects(`q=${encodeURIComponent('to:pimuser -global')}`)).toEqual(['Security Reader activated']);
    });

    it('pages with limit and start, reporting the total of matches', async () => {
      const body = (await get('/_emulator/mail?limit=1&start=1')).json();
      expect(body).toMatchObject({ total: 3, count: 1, start: 1 });
      expect(body.messages[0].subject).toBe('Approval needed: Security Reader');
    });

    it('answers 400 for an invalid limit, start or wait, or an unknown parameter', async () => {
      for (const q of ['limit=0', 'limit=x', 'start=-1', 'wait=soon', 'wait=61s', 'recipient=x']) {
        const res = await get(`/_emulator/mail?${q}`);
        expect(res.statusCode, q).toBe(400);
        expect(res.json().error.code, q).toBe('InvalidRequest');
      }
    });
  });

  describe('latest, wait and ids', () => {
    it('returns the newest matching message, 404 when none matches', async () => {
      await plain('pimuser@contoso.example', 'first');
      await plain('pimuser@contoso.example', 'second');
      await plain('admin@contoso.example', 'third');
      expect((await get('/_emulator/mail/latest')).json().subject).toBe('third');
      expect((await get('/_emulator/mail/latest?to=pimuser')).json().subject).toBe('second');
      expect((await get('/_emulator/mail/latest/raw?to=pimuser')).body).toContain('Subject: second');
      const none = await get('/_emulator/mail/latest?to=nobody');
      expect(none.statusCode).toBe(404);
      expect(none.json().error.code).toBe('MessageNotFound');
    });

    it('holds a wait request until a matching mail arrives', async () => {
      const pending = get('/_emulator/mail/latest?to=late@contoso.example&wait=10s');
      await plain('someone-else@contoso.example', 'not this one');
      await plain('late@contoso.example', 'Your request was approved');
      const res = await pending;
      expect(res.statusCode).toBe(200);
      expect(res.json().subject).toBe('Your request was approved');
    });

    it('holds a wait on the list until one mail matches', async () => {
      const pending = get('/_emulator/mail?subject=approved&wait=10');
      await plain('late@contoso.example', 'Request approved');
      const res = await pending;
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ total: 1, messages: [{ subject: 'Request approved' }] });
    });

    it('answers 408 MailWaitTimeout naming the filter and the wait when nothing arrives', async () => {
      const started = Date.now();
      const res = await get('/_emulator/mail/latest?to=nobody@contoso.example&wait=200ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(res.statusCode).toBe(408);
      expect(res.json().error.code).toBe('MailWaitTimeout');
      expect(res.json().error.message).toContain('nobody@contoso.example');
      expect(res.json().error.message).toContain('200ms');
    });

    it('answers 404 MessageNotFound for an unknown id', async () => {
      for (const url of ['/_emulator/mail/nope', '/_emulator/mail/nope/raw']) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code, url).toBe('MessageNotFound');
      }
    });

    it('deletes one message (204, then 404) and all messages', async () => {
      await plain('a@contoso.example', 'one');
      await plain('b@contoso.example', 'two');
      const [two, one] = (await get('/_emulator/mail')).json().messages;
      expect((await del(`/_emulator/mail/${one.id}`)).statusCode).toBe(204);
      expect((await get(`/_emulator/mail/${one.id}`)).statusCode).toBe(404);
      expect((await del(`/_emulator/mail/${one.id}`)).statusCode).toBe(404);
      expect((await get('/_emulator/mail')).json().messages.map((m: { id: string }) => m.id)).toEqual([two.id]);
      expect((await del('/_emulator/mail')).statusCode).toBe(204);
      expect((await get('/_emulator/mail')).json()).toMatchObject({ total: 0, messages: [] });
    });
  });

  describe('the Mailpit API subset', () => {
    beforeEach(async () => {
      await send({ ...activated, to: 'Pim User <pimuser@contoso.example>', cc: 'audit@contoso.example' });
      await plain('pimuser@contoso.example', 'Your Security Reader request was denied', 'denied by admin');
      await plain('admin@contoso.example', 'Security Reader activated for pimuser', 'fyi');
    });

    it('lists messages with Mailpit field names', async () => {
      const res = await get('/api/v1/messages?limit=2');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ total: 3, unread: 3, count: 2, messages_count: 3, messages_unread: 3, start: 0, tags: [] });
      const m = body.messages[1];
      expect(Object.keys(m).sort()).toEqual(['Attachments', 'Bcc', 'Cc', 'Created', 'From', 'ID', 'MessageID', 'Read', 'ReplyTo', 'Size', 'Snippet', 'Subject', 'Tags', 'To', 'Username'].sort());
      expect(m).toMatchObject({ Read: false, From: { Name: '', Address: 'robot@contoso.example' }, To: [{ Name: '', Address: 'pimuser@contoso.example' }], Cc: [], Bcc: [], ReplyTo: [], Tags: [], Attachments: 0, Subject: 'Your Security Reader request was denied', Snippet: 'denied by admin' });
      expect(typeof m.Size).toBe('number');
      expect(Date.parse(m.Created)).not.toBeNaN();
    });

    it('returns a message by ID or latest, and marks it read', async () => {
      const id = (await get('/api/v1/messages')).json().messages[2].ID;
      const res = await get(`/api/v1/message/${id}`);
      expect(res.statusCode).toBe(200);
      const m = res.json();
      expect(Object.keys(m).sort()).toEqual(['Attachments', 'Bcc', 'Cc', 'Date', 'From', 'HTML', 'ID', 'Inline', 'ListUnsubscribe', 'MessageID', 'ReplyTo', 'ReturnPath', 'Size', 'Subject', 'Tags', 'Text', 'To', 'Username'].sort());
      expect(m).toMatchObject({
        ID: id,
        From: { Name: 'Microsoft Security', Address: 'MSSecurity-noreply@microsoft.com' },
        To: [{ Name: 'Pim User', Address: 'pimuser@contoso.example' }],
        Cc: [{ Name: '', Address: 'audit@contoso.example' }],
        Subject: activated.subject,
        HTML: activated.html,
        Inline: [],
        Attachments: [],
      });
      expect(m.Text).toContain('Justification: incident 42');
      expect((await get('/api/v1/messages')).json()).toMatchObject({ unread: 2, messages: [{ Read: false }, { Read: false }, { Read: true }] });
      expect((await get('/api/v1/message/latest')).json().Subject).toBe('Security Reader activated for pimuser');
      expect((await get(`/api/v1/message/latest?query=${encodeURIComponent('subject:denied')}`)).json().Subject).toBe('Your Security Reader request was denied');
    });

    it('serves raw source and Go-style headers', async () => {
      const id = (await get('/api/v1/messages')).json().messages[2].ID;
      const raw = await get(`/api/v1/message/${id}/raw`);
      expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(raw.body).toMatch(/^X-PIM-Event: roleActivated$/im);
      const headers = (await get(`/api/v1/message/${id}/headers`)).json();
      expect(headers['X-Pim-Event']).toEqual(['roleActivated']);
      expect(headers.Subject).toEqual([activated.subject]);
      expect(headers['Message-Id']).toHaveLength(1);
      expect(Object.keys(headers)).toEqual([...Object.keys(headers)].sort());
    });

    it('answers 404 text/plain as Mailpit does', async () => {
      const unknown = await get('/api/v1/message/nope');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers['content-type']).toMatch(/^text\/plain/);
      expect(unknown.body).toBe('404 page not found');
      expect((await get('/api/v1/message/nope/headers')).statusCode).toBe(404);
      const latest = await get(`/api/v1/message/latest?query=${encodeURIComponent('subject:nothing-like-this')}`);
      expect(latest.statusCode).toBe(404);
      expect(latest.body).toBe('Message not found');
    });

    it('searches with Mailpit syntax: fields, a quoted phrase and a negation', async () => {
      const res = await get(`/api/v1/search?query=${encodeURIComponent('to:pimuser subject:"Security Reader" -denied')}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ total: 3, messages_count: 1, count: 1 });
      expect(body.messages[0].Subject).toBe(activated.subject);
      const empty = await get('/api/v1/search?query=');
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toBe('Error: no search query');
    });

    it('deletes listed IDs, everything with an empty body, and search matches', async () => {
      const ids = (await get('/api/v1/messages')).json().messages.map((m: { ID: string }) => m.ID);
      const one = await del('/api/v1/messages', { IDs: [ids[0]] });
      expect(one.statusCode).toBe(200);
      expect(one.body).toBe('ok');
      expect(inbox.count).toBe(2);

      const search = await del(`/api/v1/search?query=${encodeURIComponent('subject:denied')}`);
      expect(search.statusCode).toBe(200);
      expect(search.body).toBe('ok');
      expect(inbox.list().map((m) => m.subject)).toEqual([activated.subject]);

      const all = await app.inject({ method: 'DELETE', url: '/api/v1/messages', headers: { 'content-type': 'application/json' } });
      expect(all.statusCode).toBe(200);
      expect(inbox.count).toBe(0);
    });
  });

  describe('the Inbox itself', () => {
    const source = (n: number, extra = '') => `From: a@contoso.example\r\nTo: b@contoso.example\r\nSubject: mail ${n}\r\nMessage-ID: <m${n}@test>\r\n${extra}\r\nbody ${n}\r\n`;

    it('keeps at most maxMessages, dropping the oldest', async () => {
      const small = new Inbox({ maxMessages: 2, now: () => Date.parse('2026-01-01T00:00:00Z') });
      for (const n of [1, 2, 3]) await small.add(source(n));
      expect(small.list().map((m) => m.subject)).toEqual(['mail 3', 'mail 2']);
      expect(small.get('latest')?.received).toBe('2026-01-01T00:00:00.000Z');
    });

    it('unfolds folded headers and keeps them in order', async () => {
      const m = (await inbox.add(source(1, 'X-Long: part one\r\n  part two\r\n')))!;
      expect(m.headers.map((h) => h.key)).toEqual(['From', 'To', 'Subject', 'Message-ID', 'X-Long']);
      expect(m.headers.at(-1)).toEqual({ key: 'X-Long', value: 'part one part two' });
    });

    it('resolves a wait at once when a match is stored, and releases waits on stop', async () => {
      const own = new Inbox();
      await own.add(source(1));
      expect((await own.waitFor({ subject: 'mail 1' }, 10_000))?.subject).toBe('mail 1');
      const pending = own.waitFor({ subject: 'never' }, 60_000);
      await own.stop();
      expect(await pending).toBeUndefined();
    });

    it('keeps waiting across clear()', async () => {
      const own = new Inbox();
      const pending = own.waitFor({ to: 'b@contoso' }, 10_000);
      own.clear();
      await own.add(source(7));
      expect((await pending)?.subject).toBe('mail 7');
    });

    it('matches Mailpit queries', async () => {
      const m = (await inbox.add('From: "Adele Vance" <adelev@contoso.example>\r\nTo: pimuser@contoso.example\r\nSubject: Security Reader approved\r\n\r\nApproved for 8 hours\r\n')) as InboxMessage;
      const yes = ['', 'approved', 'from:adele', 'from:"Adele Vance"', 'subject:"security reader"', '"8 hours"', '!denied', '-to:admin', 'to:pimuser 8', '-'];
      const no = ['denied', 'to:adele', '-from:adelev', 'subject:"Reader Security"', 'approved -hours'];
      for (const q of yes) expect(matchesMailpitQuery(m, q), q).toBe(true);
      for (const q of no) expect(matchesMailpitQuery(m, q), q).toBe(false);
    });
  });
});
