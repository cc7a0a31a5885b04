import { DEFAULT_URL, runWalkthrough } from './walk.js';

/** The `pim-emulator walkthrough` command line: options, usage, exit codes. */

export const WALKTHROUGH_HELP = `Usage: pim-emulator walkthrough [--url URL] [--tenant T|new] [--key K] [--yes]

Walks the five phases of just-in-time Security Reader access (configure the role, assign it,
activate it, watch it expire, remove it) against a running emulator, printing each step, the
Graph request and the key part of the answer. Exits 1 at the first step that does not behave
as the article says.

  --url URL      the emulator's HTTP address (default ${DEFAULT_URL})
  --tenant T     tenant name, domain or id, or "new" (the default): a fresh walkthrough-<random>
                 copy of contoso, so a walk during a workshop touches no team's tenant or clock
  --key K        the tenant's key or the admin key, when the emulator requires keys (a new
                 tenant's own key is used without it)
  --password P   the personas' password (default Passw0rd!)
  --yes, -y      do not pause between phases (it never pauses when stdin is not a terminal)
`;

/** The `walkthrough` command: argv after the command name. Returns the exit code. */
export async function walkthroughCommand(
  argv: string[],
  io: { out: (line: string) => void; err: (line: string) => void; stdin: NodeJS.ReadableStream & { isTTY?: boolean }; color: boolean },
): Promise<number> {
  const opts = { url: DEFAULT_URL, tenant: 'new', yes: false, password: undefined as string | undefined, key: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    try {
      if (flag === '--help' || flag === '-h') {
        io.out(WALKTHROUGH_HELP);
        return 0;
      } else if (flag === '--yes' || flag === '-y') opts.yes = true;
      else if (flag === '--url') opts.url = value();
      else if (flag === '--tenant') opts.tenant = value();
      else if (flag === '--password') opts.password = value();
      else if (flag === '--key') opts.key = value();
      else throw new UsageError(`unknown option '${arg}'`);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`pim-emulator walkthrough: ${e.message}\n\n${WALKTHROUGH_HELP}`);
      return 2;
    }
  }
  try {
    new URL(opts.url);
  } catch {
    io.err(`pim-emulator walkthrough: --url '${opts.url}' is not a URL (e.g. ${DEFAULT_URL})`);
    return 2;
  }
  const interactive = !opts.yes && Boolean(io.stdin.isTTY);
  const result = await runWalkthrough({
    url: opts.url, tenant: opts.tenant, yes: !interactive, out: io.out, color: io.color,
    ...(interactive ? { input: io.stdin } : {}),
    ...(opts.password ? { password: opts.password } : {}),
    ...(opts.key ? { key: opts.key } : {}),
  });
  return result.ok ? 0 : 1;
}

class UsageError extends Error {}
