// The bare baseline for `npm run bench`: what the same framework and SMTP library do with no
// emulator in them. GET /hello, POST /echo (parses JSON, answers 201) and a smtp-server sink that
// reads every message to its end; GET /smtp-count says how many it accepted.
import Fastify from 'fastify';
import { SMTPServer } from 'smtp-server';

const app = Fastify({ logger: false });
let accepted = 0;
app.get('/hello', async () => ({ hello: 'world' }));
app.post('/echo', async (request, reply) => reply.status(201).send({ id: 'x', received: request.body }));
app.get('/smtp-count', async () => ({ accepted }));

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, _session, done) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      accepted++;
      done();
    });
  },
});
await new Promise((resolve) => smtp.listen(Number(process.env.BARE_SMTP_PORT ?? 0), '127.0.0.1', resolve));
await app.listen({ port: Number(process.env.BARE_PORT ?? 0), host: '127.0.0.1' });
const stop = () => smtp.close(() => app.close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
