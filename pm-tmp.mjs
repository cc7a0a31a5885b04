import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
const t = nodemailer.createTransport({ streamTransport: true, buffer: true });
const raw = (await t.sendMail({ from: 'bench@example.test', to: 'inbox1@contoso.onmicrosoft.com', subject: 'bench #1 Ünïcode', text: 'message 1\n'.repeat(20), html: '<p>hi</p>' })).message.toString();
for (let round = 0; round < 3; round++) {
  let s = performance.now();
  for (let i = 0; i < 500; i++) await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  console.log('simpleParser ms/msg', ((performance.now() - s) / 500).toFixed(3));
}
