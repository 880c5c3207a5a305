import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
/**
 * Synth-time checks shared by the constructs, so a bad prop fails at `cdk synth` with the construct
 * path and field instead of at deploy time inside CloudFormation.
 */

/** Same rule as the inventory schema's names (lib/inventory/schema.ts). */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Tag values: at most 256 characters of letters, digits, spaces and `+ - = . _ : / @`.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Tag.html
 */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Why `env` cannot name an environment, or undefined when it can. */
export function environmentNameProblem(env: string): string | undefined {
  return NAME.test(env)
    ? undefined
    : `expected an environment name of lowercase letters, digits and dashes (at most 63), got ${JSON.stringify(env)}`;
}

/** Why `name` cannot name a token, or undefined when it can. */
export function tokenNameProblem(name: string): string | undefined {
  return NAME.test(name)
    ? undefined
    : `expected a token name of lowercase letters, digits and dashes (at most 63), got ${JSON.stringify(name)}`;
}

/** Why `value` cannot be a Secrets Manager tag value, or undefined when it can. */
export function tagValueProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty (it becomes a tag value)';
  return TAG_VALUE.test(value)
    ? undefined
    : `becomes a tag value, which allows at most 256 letters, digits, spaces and + - = . _ : / @; got ${JSON.stringify(value)}`;
}

/**
 * Acknowledges cdk-nag's IAM5 finding for grants on secrets created by hand (admin secrets, the Slack
 * webhook secret): their ARN suffix is unknown at synth, so the grant names `<name>-??????`.
 * `what(name)` describes each secret in the reason.
 */
export function acknowledgeHandMadeSecrets(
  policy: IConstruct,
  names: Iterable<string>,
  what: (name: string) => string,
): void {
  for (const name of names) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${name}-??????]`,
      reason: `${what(name)} is created by hand, so its ARN suffix is unknown: -?????? matches exactly the six characters Secrets Manager appends to that one name`,
    });
  }
}
