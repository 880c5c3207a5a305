import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDatadogFake } from './datadog';
import { createGenericHttpFake } from './generic-http';
import { createGithubFake } from './github';
import { createFakeGitlab } from './gitlab';
import { FaultInjector, fakeListener, serveOnLoopback } from './http-fake';
import type { FakeRoute } from './http-fake';
import { createSendgridFake } from './sendgrid';
import { createSlackFake } from './slack';
import { createStripeFake } from './stripe';
import { createTwilioFake } from './twilio';

/**
 * Every fake provider API on one port of 127.0.0.1, each under its own path prefix
 * (`http://127.0.0.1:47661/datadog/api/v1/validate`), so an inventory's `settings.baseUrl` points a
 * token at its fake by adding the prefix. Each fake has its own FaultInjector.
 */

/** One fake per entry; adding a provider's fake is one line here. */
export const FAKE_FACTORIES = {
  datadog: createDatadogFake,
  sendgrid: createSendgridFake,
  twilio: () => createTwilioFake(),
  // Mounted as /github and, for the inventory's provider names, /github-pat and /github-app.
  stripe: createStripeFake,
  slack: createSlackFake,
  http: createGenericHttpFake,
  github: createGithubFake,
  // The GitLab fake is its own state object (tokens, seed, revoke, stats).
  gitlab: () => {
    const fake = createFakeGitlab();
    return { route: fake.route, state: fake };
  },
} as const satisfies Record<string, () => { route: FakeRoute; state: unknown }>;

type FakeName = keyof typeof FAKE_FACTORIES;

/** Extra prefixes named after inventory providers that share a fake (both GitHub providers talk to one GitHub). */
export const FAKE_ALIASES = { 'github-pat': 'github', 'github-app': 'github' } as const satisfies Record<
  string,
  FakeName
>;

type MountName = FakeName | keyof typeof FAKE_ALIASES;
type StateOf<N extends FakeName> = ReturnType<(typeof FAKE_FACTORIES)[N]>['state'];
type MountFake<M extends MountName> = M extends keyof typeof FAKE_ALIASES
  ? StateOf<(typeof FAKE_ALIASES)[M]>
  : M extends FakeName
    ? StateOf<M>
    : never;

export type FakeStates = { readonly [M in MountName]: MountFake<M> };

export interface FakeProviders {
  /** Base URL without a prefix, e.g. http://127.0.0.1:47661; a provider's base is `${url}/<provider>`. */
  readonly url: string;
  readonly fakes: FakeStates;
  /** Faults per prefix; aliases share their fake's injector. */
  readonly faults: { readonly [M in MountName]: FaultInjector };
  close(): Promise<void>;
}

export interface FakeProvidersOptions {
  /** Port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
}

/**
 * Starts all fakes on one port.
 * @throws PortInUseError when the port is taken
 */
export async function startFakeProviders(options: FakeProvidersOptions = {}): Promise<FakeProviders> {
  const fakes: Record<string, unknown> = {};
  const faults: Record<string, FaultInjector> = {};
  const listeners: Record<string, ReturnType<typeof fakeListener>> = {};
  for (const [name, factory] of Object.entries(FAKE_FACTORIES) as [
    FakeName,
    () => { route: FakeRoute; state: unknown },
  ][]) {
    const { route, state } = factory();
    const injector = new FaultInjector();
    fakes[name] = state;
    faults[name] = injector;
    listeners[name] = fakeListener(route, injector);
  }
  for (const [alias, target] of Object.entries(FAKE_ALIASES)) {
    fakes[alias] = fakes[target];
    faults[alias] = faults[target] as FaultInjector;
    listeners[alias] = listeners[target] as ReturnType<typeof fakeListener>;
  }
  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const prefix = /^\/([^/?]+)/.exec(req.url ?? '/')?.[1] ?? '';
    const listener = Object.hasOwn(listeners, prefix) ? listeners[prefix] : undefined;
    if (!listener) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `no fake provider "${prefix}"` }));
      return;
    }
    await listener(req, res, `/${prefix}`);
  };
  const running = await serveOnLoopback(dispatch, options.port ?? 0);
  return {
    url: running.url,
    fakes: fakes as unknown as FakeStates,
    faults: faults as unknown as FakeProviders['faults'],
    close: () => running.close(),
  };
}
