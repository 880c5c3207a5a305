/**
 * Ports of the local stand-in, all on 127.0.0.1. Defaults sit in a range few tools use; each can be
 * moved with an environment variable when something else already listens there.
 */
export interface LocalPorts {
  /** AWS-compatible endpoint (Secrets Manager, EventBridge, SNS). */
  readonly aws: number;
  /** Fake provider APIs, one path prefix per provider. */
  readonly providers: number;
  /** The OAuth 2.0 authorization server (oidc-provider). */
  readonly oauth: number;
  /** The Slack webhook sink. */
  readonly slack: number;
}

export const DEFAULT_PORTS: LocalPorts = { aws: 47660, providers: 47661, oauth: 47662, slack: 47663 };

export const PORT_VARIABLES: Record<keyof LocalPorts, string> = {
  aws: 'TOKENWARDEN_AWS_PORT',
  providers: 'TOKENWARDEN_PROVIDERS_PORT',
  oauth: 'TOKENWARDEN_OAUTH_PORT',
  slack: 'TOKENWARDEN_SLACK_PORT',
};

/** Reads the ports from the environment; a value that is not a port is an error naming the variable. */
export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalPorts {
  const read = (key: keyof LocalPorts): number => {
    const name = PORT_VARIABLES[key];
    const text = env[name];
    if (text === undefined || text === '') return DEFAULT_PORTS[key];
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new Error(`${name}=${text} is not a port number (0-65535; 0 picks a free port)`);
    }
    return port;
  };
  return { aws: read('aws'), providers: read('providers'), oauth: read('oauth'), slack: read('slack') };
}
