#!/usr/bin/env node
// Runs every shell block (```sh, ```bash, ```shell) of README.md and docs/*.md against a started
// emulator, so the docs cannot rot. `npm run test:docs`; .ci/run runs it after `npm test`.
//
//   node scripts/run-doc-blocks.mjs [file.md …]     default: README.md and docs/*.md
//
// How a block runs:
// - The blocks of one file run in order in ONE bash session (`set -eo pipefail`), so a block may use
//   what an earlier block of the same file defined, as a reader following the page would. Each file
//   starts on a reset emulator, in an empty working directory of its own, with HOME pointing there.
// - The emulator is started once (memory storage, proxy mode on) on free ports; the documented
//   defaults in a block are replaced by those ports: 127.0.0.1:8080 / localhost:8080 (HTTP),
//   localhost:8443 (HTTPS), 127.0.0.1:3128 (the proxy). `pim-emulator` on PATH runs this checkout.
// - A line whose comment is `#=> text` asserts its output: the command's standard output (trimmed)
//   must equal `text`. A command spread over several lines puts the comment on its last line.
// - Opting out: an HTML comment on the line right before the fence,
//       <!-- doc-blocks: skip — why this block cannot run here -->
//   The reason is required and printed; keep opt-outs rare (a block that starts a second server,
//   needs Docker or a client CI does not install). The Quick start's `npm ci && npm start` /
//   `npm ci && npm test` are such a block: CI runs them anyway.
// Exits 1 if any block fails, naming the file and line, with the block's output.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHELLS = new Set(['sh', 'bash', 'shell']);
const SKIP = /^<!--\s*doc-blocks:\s*skip\s*(?:—|-|:)\s*(\S.*?)\s*-->\s*$/;

/** The shell blocks of a markdown text: {line (1-based, of the fence), code, skip?: reason}. */
export function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    let j = i + 1;
    while (j < lines.length && !lines[j].trimStart().startsWith(fence)) j++;
    if (SHELLS.has(lang.toLowerCase())) {
      const code = lines.slice(i + 1, j).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
      const prev = (lines[i - 1] ?? '').trim();
      const skip = SKIP.exec(prev)?.[1];
      if (/^<!--\s*doc-blocks/.test(prev) && !skip) throw new Error(`line ${i}: a doc-blocks annotation must read <!-- doc-blocks: skip — reason -->`);
      blocks.push({ line: i + 1, code, ...(skip ? { skip } : {}) });
    }
    i = j;
  }
  return blocks;
}

/**
 * The block with each `#=> expected` line turned into a check of that command's output. A command
 * continues over lines ending in a backslash or inside an open quote; the comment is on its last line.
 */
export function withExpectations(code, where) {
  const out = [];
  let pending = [];
  let quote = null;
  for (const line of code.split('\n')) {
    pending.push(line);
    quote = scanQuotes(line, quote);
    if (quote || /\\\s*$/.test(line)) continue;
    const last = pending[pending.length - 1];
    const m = /^(.*?)\s+#=>\s?(.*)$/.exec(last);
    if (m && !scanQuotes(m[1], null)) {
      const command = [...pending.slice(0, -1), m[1]].join('\n');
      const expected = m[2].trim();
      out.push(
        `__doc_out=$(${command}\n)`,
        `printf '%s\\n' "$__doc_out"`,
        `if [ "$(printf '%s' "$__doc_out" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')" != ${shellQuote(expected)} ]; then echo ${shellQuote(`doc-blocks: ${where}: expected ${JSON.stringify(expected)}, got:`)} >&2; printf '%s\\n' "$__doc_out" >&2; exit 1; fi`,
      );
    } else out.push(...pending);
    pending = [];
  }
  out.push(...pending);
  return out.join('\n');
}

/** The open quote (' or ") at the end of `line`, given the one open at its start; comments outside quotes end the scan. */
function scanQuotes(line, open) {
  let q = open;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q === "'") {
      if (c === "'") q = null;
    } else if (q === '"') {
      if (c === '\\') i++;
      else if (c === '"') q = null;
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') q = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) break;
  }
  return q;
}

const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The documented default ports, replaced by the started emulator's. */
export function substitutePorts(code, ports) {
  return code
    .replace(/\b(127\.0\.0\.1|localhost):8080\b/g, (_, h) => `${h}:${ports.http}`)
    .replace(/\b(127\.0\.0\.1|localhost):8443\b/g, (_, h) => `${h}:${ports.https}`)
    .replace(/\b(127\.0\.0\.1|localhost):3128\b/g, (_, h) => `${h}:${ports.proxy}`);
}

function defaultFiles() {
  const docs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f));
  return ['README.md', ...docs];
}

/** Starts this checkout's emulator on free ports; resolves with its ports and a stop function. */
async function startEmulator(work) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: work, PIM_STORAGE: 'memory', PIM_HTTP_PORT: '0', PIM_HTTPS_PORT: '0', PIM_SMTP_PORT: '0', PIM_PROXY_PORT: '0', PIM_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ports = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${out}`)), 60_000);
    const check = (d) => {
      out += d;
      const http = /Control\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      const https = /Graph\s+https:\/\/localhost:(\d+)\//.exec(out)?.[1];
      const proxy = /Proxy\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (http && https && proxy) {
        clearTimeout(timer);
        resolve({ http, https, proxy });
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}):\n${out}`)));
  });
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return { ports, stop, output: () => out };
}

/** POST /_emulator/reset on a connection of its own (a pooled one may be closing: the server ends idle ones after 5 s). */
function resetEmulator(port) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/_emulator/reset', method: 'POST', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(files) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'pim-doc-blocks-'));
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'pim-emulator'), `#!/bin/sh\ncd ${shellQuote(ROOT)} && exec ${shellQuote(process.execPath)} --import tsx src/cli.ts "$@"\n`);
  chmodSync(path.join(bin, 'pim-emulator'), 0o755);
  const emu = await startEmulator(work);
  let run = 0, skipped = 0, failed = 0;
  try {
    for (const file of files) {
      const blocks = extractBlocks(readFileSync(path.resolve(ROOT, file), 'utf8'));
      const runnable = blocks.filter((b) => !b.skip);
      for (const b of blocks.filter((x) => x.skip)) console.log(`doc-blocks: skip ${file}:${b.line} — ${b.skip}`);
      skipped += blocks.length - runnable.length;
      if (!runnable.length) continue;
      const status = await resetEmulator(emu.ports.http);
      if (status !== 200) throw new Error(`reset before ${file}: ${status}`);
      const dir = mkdtempSync(path.join(work, 'file-'));
      const script = ['set -eo pipefail'];
      for (const b of runnable) {
        const where = `${file}:${b.line}`;
        script.push(`__doc_block=${shellQuote(where)}`, `echo "doc-blocks: run $__doc_block"`, withExpectations(substitutePorts(b.code, emu.ports), where));
      }
      script.push('echo "doc-blocks: file done"');
      const result = spawnSync('bash', ['-c', `${script.join('\n')}`], {
        cwd: dir,
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, LANG: 'C.UTF-8' },
        encoding: 'utf8',
        timeout: 180_000,
        maxBuffer: 64 << 20,
      });
      const output = `${result.stdout}${result.stderr}`;
      const reached = [...result.stdout.matchAll(/^doc-blocks: run (\S+)$/gm)].map((m) => m[1]);
      if (result.status === 0 && result.stdout.includes('doc-blocks: file done')) {
        run += runnable.length;
        console.log(`doc-blocks: ok   ${file} (${runnable.length} block${runnable.length === 1 ? '' : 's'})`);
      } else {
        failed++;
        run += reached.length;
        const at = reached[reached.length - 1] ?? file;
        console.log(`doc-blocks: FAIL ${at} (exit ${result.status ?? result.signal})\n${output.split('\n').slice(-40).join('\n')}`);
      }
    }
  } finally {
    await emu.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`doc-blocks: ${run} blocks run, ${skipped} skipped; ${failed} file(s) failed`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  main(args.length ? args : defaultFiles()).then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(1);
  });
}
