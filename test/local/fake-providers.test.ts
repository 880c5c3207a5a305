import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FAKE_ALIASES, FAKE_FACTORIES, startFakeProviders } from '../../local/providers/server';
import type { FakeProviders } from '../../local/providers/server';

describe('startFakeProviders', () => {
  let providers: FakeProviders;
  beforeAll(async () => {
    providers = await startFakeProviders({ port: 0 });
  });
  afterAll(() => providers.close());

  it('serves on 127.0.0.1 with one state and one fault injector per prefix', () => {
    expect(providers.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const name of [...Object.keys(FAKE_FACTORIES), ...Object.keys(FAKE_ALIASES)]) {
      expect(providers.fakes).toHaveProperty(name);
      expect(providers.faults).toHaveProperty(name);
    }
  });

  it('routes by path prefix and strips it before the fake sees the path', async () => {
    const { key } = providers.fakes.datadog.seedApiKey();
    const res = await fetch(`${providers.url}/datadog/api/v1/validate`, { headers: { 'DD-API-KEY': key } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ valid: true });
    expect(providers.faults.datadog.requests).toBe(1);
  });

  it('shares the GitHub fake between github-pat and github-app', () => {
    expect(providers.fakes['github-pat']).toBe(providers.fakes['github-app']);
  });

  it('mounts a fake for every provider prefix inventory/local.yaml points at (gitlab pending its helper)', () => {
    const inventory = parse(readFileSync('inventory/local.yaml', 'utf8')) as {
      tokens: { settings?: { baseUrl?: string } }[];
    };
    const prefixes = inventory.tokens
      .map((t) => /^http:\/\/127\.0\.0\.1:47661\/([^/]+)/.exec(t.settings?.baseUrl ?? '')?.[1])
      .filter((p): p is string => p !== undefined && p !== 'gitlab');
    expect(prefixes.length).toBeGreaterThan(0);
    for (const prefix of prefixes) expect(providers.fakes).toHaveProperty(prefix);
  });

  it('serves Slack under /slack/api like slack.com/api', async () => {
    const token = providers.fakes.slack.seedToken(['chat:write']);
    const res = await fetch(`${providers.url}/slack/api/auth.test`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.headers.get('x-oauth-scopes')).toBe('chat:write');
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('answers 404 for an unknown prefix', async () => {
    const res = await fetch(`${providers.url}/nope/x`);
    expect(res.status).toBe(404);
  });

  it('answers Datadog 403 on validate for an unknown key, as documented', async () => {
    const res = await fetch(`${providers.url}/datadog/api/v1/validate`, { headers: { 'DD-API-KEY': 'unknown' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ errors: ['Forbidden'] });
  });
});
