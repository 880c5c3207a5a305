import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { fingerprintKeySecretName } from '../../lambdas/shared/names';
import { environmentNameProblem } from './validation';

/** Props of {@link FingerprintKey}. */
export interface FingerprintKeyProps {
  /** The environment (inventory `name`). */
  readonly env: string;
  /** The environment's key; encrypts the secret. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The environment's HMAC key for token fingerprints (lambdas/shared/fingerprint.ts): the probe finds
 * two tokens with the same value by comparing keyed fingerprints, never plaintext. Secrets Manager
 * generates the value at deploy time, so it never appears in the template. It carries no
 * `tokenwarden:managed` tag, so the probe does not treat it as a token.
 */
export class FingerprintKey extends Construct {
  public readonly secret: secretsmanager.Secret;

  /** @throws Error naming this construct's path when `env` is not a valid environment name */
  public constructor(scope: Construct, id: string, props: FingerprintKeyProps) {
    super(scope, id);
    const problem = environmentNameProblem(props.env);
    if (problem) throw new Error(`${this.node.path}: props.env: ${problem}`);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: fingerprintKeySecretName(props.env),
      description: `tokenwarden: HMAC key for duplicate-token fingerprints in environment ${props.env}`,
      encryptionKey: props.encryptionKey,
      // 64 characters from ~90 symbols is ~400 bits, well above HMAC-SHA256's 256-bit key size.
      generateSecretString: { passwordLength: 64, excludeCharacters: '"\\' },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const reason =
      'Rotating the HMAC key would change every stored fingerprint at once and hide duplicates until the next probe; it protects no credential by itself';
    Validations.of(this.secret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
    Validations.of(this.secret).acknowledge({ id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason });
  }

  /** Lets `grantee` read the key (the probe computes fingerprints with it). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}
