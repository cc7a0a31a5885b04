/**
 * The control plane's error: {"error":{"code","message"}}, kept apart from Graph's envelope. Every
 * module under src/emulator throws it; the control plane's error handler (routes.ts) sends it.
 */
export class ControlError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
