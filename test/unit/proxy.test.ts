import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig } from '../../src/config.js';
import { serviceOfHost, serviceOfPath } from '../../src/proxy/hosts.js';
import { parseScopes } from '../../src/auth/clients.js';

describe('proxy mode settings', () => {
  it('is off unless PIM_PROXY_PORT or --proxy-port is set', () => {
    expect(loadConfig({}).proxyPort).toBeUndefined();
    expect(loadConfig({ PIM_PROXY_PORT: '3128' }).proxyPort).toBe(3128);
    expect(loadConfig({}, ['--proxy-port', '0']).proxyPort).toBe(0);
    expect(loadConfig({ PIM_PROXY_PORT: '' }).proxyPort).toBeUndefined();
  });
  it('refuses a port that is not one, naming the variable', () => {
    expect(() => loadConfig({ PIM_PROXY_PORT: 'squid' })).toThrow(new ConfigError("PIM_PROXY_PORT must be a port number from 0 to 65535 (0 picks a free port); got 'squid'"));
  });
  it('is in --help', () => {
    expect(helpText()).toMatch(/--proxy-port <value>\s+PIM_PROXY_PORT\s+proxy mode/);
  });
});

describe('routing by host', () => {
  it("knows Microsoft's sign-in, Graph and ARM names, case-insensitively, and nothing else", () => {
    expect(['login.microsoftonline.com', 'LOGIN.windows.net', 'login.microsoft.com', 'sts.windows.net'].map(serviceOfHost)).toEqual(['signin', 'signin', 'signin', 'signin']);
    expect(serviceOfHost('graph.microsoft.com.')).toBe('graph');
    expect(['management.azure.com', 'management.core.windows.net'].map(serviceOfHost)).toEqual(['arm', 'arm']);
    for (const other of ['example.com', 'graph.microsoft.com.evil.test', 'microsoftonline.com', 'toString', '__proto__']) expect(serviceOfHost(other)).toBeUndefined();
  });
  it('tells which service a path belongs to', () => {
    expect(serviceOfPath('/v1.0/me')).toBe('graph');
    expect(serviceOfPath('/beta/roleManagement')).toBe('graph');
    expect(serviceOfPath('/oidc/userinfo')).toBe('graph');
    expect(serviceOfPath('/subscriptions?api-version=2022-12-01')).toBe('arm');
    expect(serviceOfPath('//metadata/endpoints?api-version=2015-01-01')).toBe('arm');
    expect(serviceOfPath('/common/oauth2/v2.0/token')).toBe('signin');
    expect(serviceOfPath('/_emulator/health')).toBe('emulator');
  });
});

describe('ARM scopes', () => {
  it('reads the resource with its trailing slash from the "//.default" scopes az sends', () => {
    expect(parseScopes('https://management.core.windows.net//.default offline_access')).toMatchObject({ resource: 'https://management.core.windows.net/', permissions: '.default' });
    expect(parseScopes('https://management.azure.com/user_impersonation')).toMatchObject({ resource: 'https://management.azure.com', permissions: ['user_impersonation'] });
    expect(parseScopes('797f4846-ba00-4fd7-ba43-dac1f8f63013/.default')).toMatchObject({ resource: 'https://management.core.windows.net/' });
    expect(parseScopes('https://graph.microsoft.com//.default')).toMatchObject({ resource: 'https://graph.microsoft.com/', permissions: '.default' });
  });
});
