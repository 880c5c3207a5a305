import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { CiAccess } from './constructs/ci-access';
import { EnvironmentKey } from './constructs/environment-key';
import { FingerprintKey } from './constructs/fingerprint-key';
import { ManagedToken } from './constructs/managed-token';
import { RotationFunctions } from './constructs/rotation-functions';
import { TokenAlerts } from './constructs/token-alerts';
import { TokenProbe } from './constructs/token-probe';
import type { Inventory } from './inventory/schema';

/** Props of {@link TokenPipelineStack}. */
export interface TokenPipelineStackProps extends Omit<StackProps, 'env'> {
  /** The validated inventory of one environment; the stack's only input. */
  readonly inventory: Inventory;
}

/**
 * Everything tokenwarden deploys into one environment (= one AWS account and region), derived from
 * that environment's inventory file. Read top to bottom, it is the picture in ARCHITECTURE.md.
 */
export class TokenPipelineStack extends Stack {
  public readonly inventory: Inventory;
  /** The environment's KMS key; encrypts every secret below. */
  public readonly key: kms.Key;
  /** One per inventory token, by token name, in inventory order. */
  public readonly tokens: ReadonlyMap<string, ManagedToken>;
  /** The HMAC key the probe fingerprints token values with (duplicate detection). */
  public readonly fingerprintKey: FingerprintKey;
  /** The bus `tokenwarden-<env>`, its rules, notify and the alert topic. */
  public readonly alerts: TokenAlerts;
  /** The scheduled probe and its dashboard. */
  public readonly probe: TokenProbe;
  /** One rotation function per issuing provider in use. */
  public readonly rotation: RotationFunctions;
  /** One IAM role per CI consumer, reading only its tokens. */
  public readonly ciAccess: CiAccess;

  /** @throws Error naming the stack when the inventory declares a token name twice */
  public constructor(scope: Construct, id: string, props: TokenPipelineStackProps) {
    const { inventory, ...stackProps } = props;
    super(scope, id, {
      description: `tokenwarden: API tokens of environment ${inventory.name} (inventory/${inventory.name}.yaml)`,
      ...stackProps,
      env: { account: inventory.account, region: inventory.region },
    });
    this.inventory = inventory;

    const environmentKey = new EnvironmentKey(this, 'EnvironmentKey', { env: inventory.name });
    this.key = environmentKey.key;

    const tokens = new Map<string, ManagedToken>();
    for (const token of inventory.tokens) {
      if (tokens.has(token.name)) {
        throw new Error(`${this.node.path}: inventory.tokens: duplicate token name "${token.name}"`);
      }
      tokens.set(
        token.name,
        new ManagedToken(this, `Token-${token.name}`, { env: inventory.name, token, encryptionKey: this.key }),
      );
    }
    this.tokens = tokens;

    this.fingerprintKey = new FingerprintKey(this, 'FingerprintKey', { env: inventory.name, encryptionKey: this.key });

    // Constructs plug in here, one line each, all fed from this.inventory / this.tokens / this.key
    // (ARCHITECTURE.md): the alert bus with Slack + SNS, the scheduled probe (writes to that bus), the
    // rotation functions (one per issuing provider in use, attached to rotatable tokens) and the CI
    // access roles (token.grantRead per consumer).
    this.alerts = new TokenAlerts(this, 'Alerts', { inventory, encryptionKey: this.key });
    this.probe = new TokenProbe(this, 'Probe', {
      inventory,
      tokens,
      fingerprintKey: this.fingerprintKey,
      bus: this.alerts.bus,
      alarmTopic: this.alerts.topic,
    });
    this.rotation = new RotationFunctions(this, 'Rotation', { inventory, tokens, alarmTopic: this.alerts.topic });
    this.ciAccess = new CiAccess(this, 'CiAccess', {
      env: inventory.name,
      consumers: inventory.ci,
      tokens,
      key: this.key,
    });

    // What operators wire to after a deploy: extra topic subscribers (chat, pager), forwarding health events to a
    // central bus, the key to encrypt hand-made admin secrets with, and where to look.
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description: `tokenwarden ${inventory.name}: ${description}` });
    output('AlertTopicArn', this.alerts.topic.topicArn, 'SNS topic of token alerts and alarms (add subscribers here)');
    output('EventBusName', this.alerts.bus.eventBusName, 'event bus of token health events (archived)');
    output('KeyAlias', environmentKey.aliasName, 'KMS key of the token secrets (admin secrets too)');
    output('DashboardName', this.probe.dashboard.dashboardName, 'CloudWatch dashboard of token health');
  }
}
