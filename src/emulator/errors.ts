import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The control plane's error: {"error":{"code","message"}}, kept apart from Graph's envelope. Every
 * module under src/emulator throws it; the control plane's error handler (below) sends it.
 */
export class ControlError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function sendControl(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}

type HandledError = Error & { statusCode?: number; validation?: { keyword: string; params: Record<string, unknown> }[] };

/** The control plane's error handler (every plugin under /_emulator sets this one); `what` names the part in the log. */
export function controlErrorHandler(what: string) {
  return (error: HandledError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof ControlError) return sendControl(reply, error.status, error.code, error.message);
    if (error.validation) {
      // Name the offending property: ajv's own text ("must NOT have additional properties") does not.
      const v = error.validation[0];
      const extra = v?.keyword === 'additionalProperties' ? `: '${String(v.params.additionalProperty)}'` : '';
      return sendControl(reply, 400, 'InvalidRequest', `${error.message}${extra}`);
    }
    if (error instanceof SyntaxError || (error.statusCode && error.statusCode < 500)) return sendControl(reply, error.statusCode ?? 400, 'InvalidRequest', error.message);
    request.log.error({ err: error }, `${what} request failed`);
    return sendControl(reply, 500, 'InternalError', error.message);
  };
}
