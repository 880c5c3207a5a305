import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { environmentNameProblem } from './validation';

/** Props of {@link EnvironmentKey}. */
export interface EnvironmentKeyProps {
  /** The environment (inventory `name`), used in the alias `alias/tokenwarden/<env>`. */
  readonly env: string;
}

/**
 * The customer-managed KMS key that encrypts every secret of one environment. Annual key rotation is
 * on (cdk-nag AwsSolutions-KMS5) and the key is retained when the stack is deleted: deleting it would
 * make every retained secret unreadable.
 */
export class EnvironmentKey extends Construct {
  /** The key; pass it to secrets and grant through them (`ManagedToken.grantRead`), not on the key. */
  public readonly key: kms.Key;
  /** `alias/tokenwarden/<env>`: what people type (`tokenwarden put`, hand-made admin secrets). */
  public readonly aliasName: string;

  /** @throws Error naming this construct's path when `env` is not a valid environment name */
  public constructor(scope: Construct, id: string, props: EnvironmentKeyProps) {
    super(scope, id);
    const problem = environmentNameProblem(props.env);
    if (problem) throw new Error(`${this.node.path}: props.env: ${problem}`);

    this.aliasName = `alias/tokenwarden/${props.env}`;
    this.key = new kms.Key(this, 'Key', {
      description: `tokenwarden: encrypts the API token secrets of environment ${props.env}`,
      alias: this.aliasName,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
