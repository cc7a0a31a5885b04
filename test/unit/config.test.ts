import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig, SETTINGS } from '../../src/config.js';

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it throws nothing else). */
function configError(env: Record<string, string>, argv: string[] = []): ConfigError {
  try {
    loadConfig(env, argv);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}, ${JSON.stringify(argv)}) did not throw`);
}

describe('loadConfig', () => {
  describe('with no environment and no flags', () => {
    const config = loadConfig({}, []);

    it('listens for HTTP on 8080, HTTPS on 8443 and SMTP on 2525', () => {
      expect(config).toMatchObject({ httpPort: 8080, httpsPort: 8443, smtpPort: 2525 });
    });

    it('binds to 127.0.0.1 only', () => {
      expect(config.host).toBe('127.0.0.1');
    });

    it('keeps state in files under ./.pim-emulator', () => {
      expect(config.storage).toBe('file');
      expect(config.dataDir).toBe('./.pim-emulator');
    });

    it('loads the seed shipped with the package', () => {
      expect(config.seedPath.endsWith(path.join('seed', 'default.json'))).toBe(true);
      expect(path.isAbsolute(config.seedPath)).toBe(true);
    });

    it('logs at info and has no public URL or SMTP relay', () => {
      expect(config.logLevel).toBe('info');
      expect(config.publicUrl).toBeUndefined();
      expect(config.smtpUrl).toBeUndefined();
    });
  });

  it('reads every setting from its PIM_* environment variable', () => {
    const config = loadConfig({
      PIM_HTTP_PORT: '9080',
      PIM_HTTPS_PORT: '9443',
      PIM_SMTP_PORT: '3525',
      PIM_HOST: '0.0.0.0',
      PIM_DATA: '/var/lib/pim',
      PIM_STORAGE: 'memory',
      PIM_SEED: '/etc/pim/seed.json',
      PIM_PUBLIC_URL: 'https://pim.example.test:8443',
      PIM_SMTP_URL: 'smtp://mailpit:1025',
      PIM_LOG_LEVEL: 'debug',
      PIM_JOURNAL_MAX_BYTES: '64KiB',
    });
    expect(config).toEqual({
      httpPort: 9080,
      httpsPort: 9443,
      smtpPort: 3525,
      host: '0.0.0.0',
      dataDir: '/var/lib/pim',
      storage: 'memory',
      seedPath: '/etc/pim/seed.json',
      publicUrl: 'https://pim.example.test:8443',
      smtpUrl: 'smtp://mailpit:1025',
      logLevel: 'debug',
      journalMaxBytes: 65536,
      crashAt: 'none',
    });
  });

  it('ignores environment variables that are not its own', () => {
    expect(loadConfig({ PORT: '1234', HTTP_PORT: '1234' }).httpPort).toBe(8080);
  });

  it('drops a trailing slash from the public URL so it can be joined with paths', () => {
    expect(loadConfig({ PIM_PUBLIC_URL: 'http://emulator:8080/' }).publicUrl).toBe('http://emulator:8080');
  });

  it('treats an empty PIM_PUBLIC_URL as unset', () => {
    expect(loadConfig({ PIM_PUBLIC_URL: '' }).publicUrl).toBeUndefined();
  });

  it('accepts choices in any case', () => {
    expect(loadConfig({ PIM_STORAGE: 'MEMORY', PIM_LOG_LEVEL: 'Warn' })).toMatchObject({ storage: 'memory', logLevel: 'warn' });
  });

  it('accepts port 0, which picks a free port', () => {
    expect(loadConfig({ PIM_HTTP_PORT: '0' }, ['--smtp-port', '0'])).toMatchObject({ httpPort: 0, smtpPort: 0 });
  });

  it('accepts port 65535, the highest there is', () => {
    expect(loadConfig({ PIM_HTTPS_PORT: '65535' }).httpsPort).toBe(65535);
  });

  describe('flags', () => {
    it('take their value from the next argument: --http-port 9000', () => {
      expect(loadConfig({}, ['--http-port', '9000']).httpPort).toBe(9000);
    });

    it('take their value after an equals sign: --http-port=9000', () => {
      expect(loadConfig({}, ['--http-port=9000']).httpPort).toBe(9000);
    });

    it('win over the environment', () => {
      expect(loadConfig({ PIM_HTTP_PORT: '7000' }, ['--http-port', '9000']).httpPort).toBe(9000);
      expect(loadConfig({ PIM_HTTP_PORT: '7000' }, ['--http-port=9000']).httpPort).toBe(9000);
    });

    it('can be combined, and leave the other settings to the environment', () => {
      const config = loadConfig({ PIM_HOST: '0.0.0.0' }, ['--storage', 'memory', '--log-level=silent', '--seed', './my-seed.json']);
      expect(config).toMatchObject({ host: '0.0.0.0', storage: 'memory', logLevel: 'silent', seedPath: './my-seed.json' });
    });

    it('keep an equals sign inside the value', () => {
      expect(loadConfig({}, ['--public-url=http://proxy.test/?a=b']).publicUrl).toBe('http://proxy.test/?a=b');
    });

    it('reject an unknown flag, naming it', () => {
      expect(configError({}, ['--http-prot', '9000']).message).toContain('--http-prot');
      expect(configError({}, ['--verbose=1']).message).toContain('--verbose');
    });

    it('reject a flag given without a value, naming the flag and its variable', () => {
      const e = configError({}, ['--http-port']);
      expect(e.message).toContain('--http-port');
      expect(e.message).toContain('PIM_HTTP_PORT');
    });

    it('reject an invalid value, naming the flag and its variable', () => {
      const e = configError({}, ['--http-port', 'abc']);
      expect(e.message).toContain('--http-port');
      expect(e.message).toContain('PIM_HTTP_PORT');
    });
  });

  describe('rejects an invalid value with a ConfigError naming the variable', () => {
    const cases: Array<[string, string]> = [
      ['PIM_HTTP_PORT', 'abc'],
      ['PIM_HTTP_PORT', '70000'],
      ['PIM_HTTP_PORT', '65536'],
      ['PIM_HTTP_PORT', '-1'],
      ['PIM_HTTP_PORT', '80.5'],
      ['PIM_HTTP_PORT', ''],
      ['PIM_HTTPS_PORT', '1e3'],
      ['PIM_SMTP_PORT', 'twenty'],
      ['PIM_HOST', '  '],
      ['PIM_DATA', ''],
      ['PIM_STORAGE', 'disk'],
      ['PIM_SEED', ''],
      ['PIM_PUBLIC_URL', 'not-a-url'],
      ['PIM_PUBLIC_URL', 'ftp://files.example.test'],
      ['PIM_SMTP_URL', 'http://x'],
      ['PIM_SMTP_URL', 'mailpit:1025'],
      ['PIM_LOG_LEVEL', 'loud'],
    ];
    it.each(cases)('%s=%j', (name, value) => {
      const e = configError({ [name]: value });
      expect(e.message).toContain(name);
    });

    it('and quotes the bad value', () => {
      expect(configError({ PIM_STORAGE: 'disk' }).message).toContain("'disk'");
    });

    it('and lists the allowed choices', () => {
      const message = configError({ PIM_LOG_LEVEL: 'loud' }).message;
      for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(message).toContain(level);
    });
  });
});

describe('helpText', () => {
  const text = helpText();

  it.each(SETTINGS.map((s) => [s.env, s.flag]))('documents %s and its flag %s', (env, flag) => {
    expect(text).toContain(env);
    expect(text).toContain(flag);
  });

  it('documents only PIM_* variables that exist', () => {
    const documented = new Set(text.match(/PIM_[A-Z_]+/g));
    expect(documented).toEqual(new Set(SETTINGS.map((s) => s.env)));
  });

  it('shows the defaults', () => {
    expect(text).toContain('8080');
    expect(text).toContain('127.0.0.1');
  });
});

describe('the control-plane keys', () => {
  it('reads PIM_ADMIN_KEY and --admin-key, refusing a short one', () => {
    expect(loadConfig({ PIM_ADMIN_KEY: 'instructor-key-0123456789' }).adminKey).toBe('instructor-key-0123456789');
    expect(loadConfig({}, ['--admin-key', 'another-key-0123456789']).adminKey).toBe('another-key-0123456789');
    expect(loadConfig({}).adminKey).toBeUndefined();
    expect(() => loadConfig({ PIM_ADMIN_KEY: 'short' })).toThrow(/PIM_ADMIN_KEY must be at least 16 characters/);
  });

  it('takes --workshop as a bare switch, or with true/false, before other flags', () => {
    expect(loadConfig({}, ['--workshop']).workshop).toBe(true);
    expect(loadConfig({}, ['--workshop', '--http-port', '0'])).toMatchObject({ workshop: true, httpPort: 0 });
    expect(loadConfig({}, ['--workshop', 'false']).workshop).toBe(false);
    expect(loadConfig({ PIM_WORKSHOP: 'yes' }).workshop).toBe(true);
    expect(() => loadConfig({ PIM_WORKSHOP: 'maybe' })).toThrow(/PIM_WORKSHOP must be true or false/);
  });
});
