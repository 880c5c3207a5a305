import { RemovalPolicy, SecretValue, Tags, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretNameFor, tokenTags } from '../../lambdas/shared/names';
import { PLACEHOLDER_VALUE } from '../../lambdas/shared/secret-value';
import type { TokenSpec } from '../inventory/schema';
import { environmentNameProblem, tagValueProblem, tokenNameProblem } from './validation';

/** Secrets Manager's limit on a secret's description. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html */
const MAX_DESCRIPTION = 2048;

/** Props of {@link ManagedToken}. */
export interface ManagedTokenProps {
  /** The environment (inventory `name`) the token belongs to. */
  readonly env: string;
  /** The inventory entry this secret is made from. */
  readonly token: TokenSpec;
  /** The environment's key; encrypts the secret. */
  readonly encryptionKey: kms.IKey;
}

/**
 * One inventory token: the Secrets Manager secret `tokenwarden/<env>/<token>`, encrypted with the
 * environment key and tagged so the probe finds it with one ListSecrets tag filter.
 *
 * The template never holds a token: the secret starts with {@link PLACEHOLDER_VALUE} (the probe reports
 * `missing` until someone runs `tokenwarden put`). CloudFormation writes the value only when the template's
 * value changes, so redeploys leave a seeded token alone; changing PLACEHOLDER_VALUE would overwrite every
 * seeded token on the next deploy, which is why a test pins it. The secret is retained when the stack or the
 * inventory entry goes away, so removing a line from a YAML file never destroys a live credential, and its resource
 * policy denies `secretsmanager:DeleteSecret` to the whole account.
 */
export class ManagedToken extends Construct {
  /** The token's secret. */
  public readonly secret: secretsmanager.Secret;
  /** The inventory entry, with the provider's default settings applied. */
  public readonly spec: TokenSpec;
  /** `tokenwarden/<env>/<token>` */
  public readonly secretName: string;

  /** @throws Error naming this construct's path and the field when a prop cannot become a secret */
  public constructor(scope: Construct, id: string, props: ManagedTokenProps) {
    super(scope, id);
    validate(this.node.path, props);
    this.spec = props.token;
    this.secretName = secretNameFor(props.env, props.token.name);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: this.secretName,
      description: props.token.description ?? `tokenwarden: ${props.token.provider} token ${props.token.name}`,
      encryptionKey: props.encryptionKey,
      // Not a secret: a fixed marker the probe reads as "missing" (lambdas/shared/secret-value.ts).
      secretStringValue: SecretValue.unsafePlainText(PLACEHOLDER_VALUE),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [key, value] of Object.entries(tokenTags(props.env, props.token))) Tags.of(this.secret).add(key, value);
    // No one in the account may DeleteSecret until this statement is removed: a live credential is never one API call
    // from gone. CDK's RotationSchedule adds the same statement to rotatable tokens; here manual tokens get it too.
    this.secret.denyAccountRootDelete();

    if (props.token.rotation === 'manual') {
      // Rotatable tokens need no acknowledgement: both packs see the RotationSchedule RotationFunctions attaches.
      const reason = `${props.token.provider} has no API to issue tokens (inventory rotation: manual): the probe reminds the owner before expiry instead`;
      Validations.of(this.secret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
      Validations.of(this.secret).acknowledge({ id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason });
    }
  }

  /**
   * Lets `grantee` read the token: secretsmanager:GetSecretValue and DescribeSecret on this secret, and
   * kms:Decrypt on the environment key only when called through Secrets Manager (kms:ViaService).
   *
   * Callers that read several tokens with BatchGetSecretValue (the probe, `tokenwarden exec`) also need
   * `secretsmanager:BatchGetSecretValue` on `*`: that action has no resource-level permissions, and the
   * per-secret GetSecretValue granted here is what limits which values it returns (rotation-facts §4).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }

  /**
   * Lets `grantee` store a new value: secretsmanager:PutSecretValue and UpdateSecret on this secret, and
   * kms:Encrypt / GenerateDataKey on the environment key through Secrets Manager only.
   */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantWrite(grantee);
  }
}

function validate(path: string, props: ManagedTokenProps): void {
  const problems: string[] = [];
  const envProblem = environmentNameProblem(props.env);
  if (envProblem) problems.push(`props.env: ${envProblem}`);
  const nameProblem = tokenNameProblem(props.token.name);
  if (nameProblem) problems.push(`props.token.name: ${nameProblem}`);
  for (const field of ['owner', 'provider'] as const) {
    const problem = tagValueProblem(props.token[field]);
    if (problem) problems.push(`props.token.${field}: ${problem}`);
  }
  if ((props.token.description?.length ?? 0) > MAX_DESCRIPTION) {
    problems.push(
      `props.token.description: at most ${MAX_DESCRIPTION} characters, got ${props.token.description?.length}`,
    );
  }
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
}
