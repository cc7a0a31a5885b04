import nodemailer from 'nodemailer';
const transport = nodemailer.createTransport({ host: '127.0.0.1', port: 42112, secure: false, ignoreTLS: true, pool: true, maxConnections: 5, maxMessages: Infinity });
let n = 0; const t0 = performance.now();
await Promise.all(Array.from({ length: 20 }, async () => { while (n < 3000) { const i = n++; await transport.sendMail({ from: 'bench@example.test', to: `inbox${i % 10}@contoso.onmicrosoft.com`, subject: `x #${i}`, text: `message ${i}\n`.repeat(20) }); } }));
console.log('rate', (3000000 / (performance.now() - t0)).toFixed(0)); transport.close();
