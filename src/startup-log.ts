import { prettyFactory } from 'pino-pretty';

export interface StartupLog {
  /** The destination pino writes its JSON lines to (Fastify's `logger.stream`). */
  stream: { write(line: string): void };
  /** Let the held lines out, then every later line as it comes: call it once the banner is printed. */
  open(): void;
}

/**
 * The CLI's log destination: pretty lines on a terminal, pino's JSON lines otherwise (a pipe, a
 * file, `docker logs`), formatted in this thread so they keep their order with the banner. Lines
 * logged while the emulator starts (Fastify's "Server listening…") are held until open(), so they
 * follow the banner instead of landing before or inside it.
 */
export function startupLog(options: { tty: boolean; out: { write(text: string): unknown } }): StartupLog {
  const format = options.tty
    ? prettyFactory({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' })
    : (line: string) => line;
  let held: string[] | undefined = [];
  return {
    stream: {
      write(line) {
        const text = format(line);
        if (held) held.push(text);
        else options.out.write(text);
      },
    },
    open() {
      if (!held) return;
      const lines = held;
      held = undefined;
      for (const text of lines) options.out.write(text);
    },
  };
}
