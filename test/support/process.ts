import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.js';

export interface EmulatorProcess {
  child: ChildProcess;
  http: string;
  https: string;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Runs the real CLI (src/cli.ts through tsx) as a child process on free ports and waits for its
 * banner. Used where a test needs a real process: restarts, kill -9, signals, command-line flags.
 */
export async function spawnEmulator(env: Record<string, string>, timeoutMs = 20_000, args: string[] = []): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts'), ...args], {
    cwd: PACKAGE_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PIM_HTTP_PORT: '0', PIM_HTTPS_PORT: '0', PIM_SMTP_PORT: '0', PIM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const urls = await new Promise<{ http: string; https: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const https = /Graph\s+(https:\/\/\S+?)\/v1\.0/.exec(out)?.[1];
      const http = /Control\s+(http:\/\/\S+?)\/_emulator/.exec(out)?.[1];
      if (http && https) {
        clearTimeout(timer);
        resolve({ http, https });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, ...urls, output: () => out, exited };
}
