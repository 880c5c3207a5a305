import { CfnOutput, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { CiConsumer } from '../inventory/schema';
import type { ManagedToken } from './managed-token';
import { INLINE_POLICY_REASON } from './tokenwarden-function';
import { environmentNameProblem } from './validation';

/** GitHub Actions' OIDC issuer. https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience `aws-actions/configure-aws-credentials` requests by default (same page). */
export const GITHUB_AUDIENCE = 'sts.amazonaws.com';
/**
 * The audience a GitLab job must request (`id_tokens: AWS_ID_TOKEN: aud: sts.amazonaws.com`). GitLab lets the
 * job pick it; one fixed value keeps every issuer's provider and trust policy the same.
 * https://docs.gitlab.com/ci/secrets/id_token_authentication/
 */
export const GITLAB_AUDIENCE = 'sts.amazonaws.com';

/** IAM's bounds on a role's MaxSessionDuration. https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
const MIN_SESSION_MS = 3_600_000;
const MAX_SESSION_MS = 12 * 3_600_000;

/** Props of {@link CiAccess}. */
export interface CiAccessProps {
  /** The environment (inventory `name`); appears in output descriptions. */
  readonly env: string;
  /** The inventory's `ci` list; one role (or one grant to an existing role) each. */
  readonly consumers: readonly CiConsumer[];
  /** The environment's tokens by name; each consumer may read only the ones it lists. */
  readonly tokens: ReadonlyMap<string, ManagedToken>;
  /** The environment key the token secrets are encrypted with; decrypt is granted through Secrets Manager only. */
  readonly key: kms.IKey;
}

/**
 * The IAM identities CI jobs read their tokens with, one per inventory CI consumer:
 *
 * - `github`: a role trusted by GitHub Actions' OIDC provider, for the listed repos' branches and environments;
 * - `gitlab`: a role trusted by the GitLab issuer's OIDC provider, for the listed projects' branches;
 * - `roleArn`: no new role; the existing role (same account only) gets a policy attached.
 *
 * Each identity may GetSecretValue / DescribeSecret its own tokens (exact ARNs), decrypt with the environment
 * key only through Secrets Manager, and call BatchGetSecretValue (which has no resource-level permissions;
 * GetSecretValue on each secret still decides which values it returns). Nothing else.
 *
 * One IAM OIDC provider exists per issuer URL per account, so consumers of the same issuer share one: the
 * ARN an inventory entry names in `oidcProviderArn`, or else one created here.
 */
export class CiAccess extends Construct {
  /** The identity each consumer uses, by consumer name, in inventory order. */
  public readonly roles: ReadonlyMap<string, iam.IRole>;
  /** The OIDC provider used per issuer URL (created here or imported). */
  public readonly oidcProviders: ReadonlyMap<string, iam.IOidcProvider>;

  /**
   * @throws Error naming this construct's path, the consumer and the field when the inventory cannot become
   * roles (unknown token, no branch/environment/ref to trust, session out of IAM's bounds, a role in another
   * account, two provider ARNs for one issuer)
   */
  public constructor(scope: Construct, id: string, props: CiAccessProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    validate(this.node.path, props, account);

    const providers = new Map<string, iam.IOidcProvider>();
    for (const [issuer, arn] of providerArnsByIssuer(this.node.path, props.consumers)) {
      const providerId = `OidcProvider-${hostOf(issuer).replace(/[^A-Za-z0-9-]/g, '-')}`;
      providers.set(
        issuer,
        arn
          ? iam.OidcProviderNative.fromOidcProviderArn(this, providerId, arn)
          : // The native AWS::IAM::OIDCProvider: no custom-resource Lambda. Without thumbprints IAM fetches the
            // issuer's CA itself. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
            new iam.OidcProviderNative(this, providerId, { url: issuer, clientIds: [audienceOf(issuer)] }),
      );
    }
    this.oidcProviders = providers;

    const roles = new Map<string, iam.IRole>();
    for (const consumer of props.consumers) {
      const role = this.identityFor(consumer, providers);
      for (const tokenName of consumer.tokens) props.tokens.get(tokenName)?.grantRead(role);
      const batch = new iam.Policy(this, `BatchRead-${consumer.name}`, {
        statements: [
          new iam.PolicyStatement({
            // BatchGetSecretValue has no resource type: IAM only accepts "*". The per-secret GetSecretValue
            // grants above decide which values a batch returns. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
            actions: ['secretsmanager:BatchGetSecretValue'],
            resources: ['*'],
          }),
        ],
      });
      batch.attachToRole(role);
      Validations.of(batch).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'One statement for this one identity, named BatchRead-<consumer> so an auditor finds it; a customer-managed policy would add a resource nothing else attaches',
      });
      // The role's own grants (a DefaultPolicy on a new role, a Policy on an imported one).
      const grants = role.node.tryFindChild('DefaultPolicy') ?? role.node.tryFindChild('Policy');
      if (grants) {
        Validations.of(grants).acknowledge({ id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: INLINE_POLICY_REASON });
      }
      Validations.of(batch).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'secretsmanager:BatchGetSecretValue supports no resource-level permissions (Resource must be *); each value it returns is still gated by GetSecretValue on that exact secret ARN',
      });
      new CfnOutput(this, `RoleArn-${consumer.name}`, {
        description: `tokenwarden ${props.env}: role CI consumer ${consumer.name} assumes to read ${consumer.tokens.join(', ')}`,
        value: role.roleArn,
      });
      roles.set(consumer.name, role);
    }
    this.roles = roles;
  }

  private identityFor(consumer: CiConsumer, providers: ReadonlyMap<string, iam.IOidcProvider>): iam.IRole {
    if (consumer.roleArn) {
      // mutable: CDK attaches an AWS::IAM::Policy to the imported role (same account; validate() refuses others).
      return iam.Role.fromRoleArn(this, `Role-${consumer.name}`, consumer.roleArn, { mutable: true });
    }
    const issuer = issuerOf(consumer);
    const provider = providers.get(issuer);
    if (!provider) throw new Error(`${this.node.path}: no OIDC provider for ${issuer}`); // unreachable: built above
    const host = hostOf(issuer);
    return new iam.Role(this, `Role-${consumer.name}`, {
      description: `tokenwarden CI consumer ${consumer.name}: reads ${consumer.tokens.join(', ')}`,
      maxSessionDuration: Duration.seconds(consumer.maxSession / 1000),
      assumedBy: new iam.OpenIdConnectPrincipal(provider, {
        StringEquals: { [`${host}:aud`]: audienceOf(issuer) },
        StringLike: { [`${host}:sub`]: subjectsOf(consumer) },
      }),
    });
  }
}

/** The `sub` claims a consumer's role trusts; `*` in a branch or ref (e.g. `release/*`) is a wildcard on purpose. */
export function subjectsOf(consumer: CiConsumer): string[] {
  if (consumer.github) {
    const { repos, branches, environments } = consumer.github;
    // https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
    return repos.flatMap((repo) => [
      ...branches.map((branch) => `repo:${repo}:ref:refs/heads/${branch}`),
      ...environments.map((environment) => `repo:${repo}:environment:${environment}`),
    ]);
  }
  if (consumer.gitlab) {
    const { projects, refs } = consumer.gitlab;
    // https://docs.gitlab.com/ci/secrets/id_token_authentication/#token-payload
    return projects.flatMap((project) => refs.map((ref) => `project_path:${project}:ref_type:branch:ref:${ref}`));
  }
  return [];
}

function issuerOf(consumer: CiConsumer): string {
  return consumer.github ? GITHUB_ISSUER : (consumer.gitlab?.issuer.replace(/\/+$/, '') ?? '');
}

function audienceOf(issuer: string): string {
  return issuer === GITHUB_ISSUER ? GITHUB_AUDIENCE : GITLAB_AUDIENCE;
}

/** IAM's condition-key prefix for an issuer: the URL without `https://`. */
function hostOf(issuer: string): string {
  return issuer.replace(/^https:\/\//, '');
}

/** One entry per OIDC issuer in use: the provider ARN the inventory names for it, or undefined to create one. */
function providerArnsByIssuer(path: string, consumers: readonly CiConsumer[]): Map<string, string | undefined> {
  const arns = new Map<string, string | undefined>();
  for (const consumer of consumers) {
    if (consumer.roleArn) continue;
    const issuer = issuerOf(consumer);
    const named = arns.get(issuer);
    if (consumer.oidcProviderArn && named && named !== consumer.oidcProviderArn) {
      throw new Error(
        `${path}: CI consumer "${consumer.name}": oidcProviderArn ${consumer.oidcProviderArn} differs from ${named}, named by another consumer of ${issuer}; an account has one OIDC provider per issuer, so consumers of one issuer must name the same one`,
      );
    }
    arns.set(issuer, named ?? consumer.oidcProviderArn);
  }
  return arns;
}

function validate(path: string, props: CiAccessProps, account: string): void {
  const problems: string[] = [];
  const envProblem = environmentNameProblem(props.env);
  if (envProblem) problems.push(`props.env: ${envProblem}`);
  const seen = new Set<string>();
  for (const consumer of props.consumers) {
    const where = `CI consumer "${consumer.name}"`;
    if (seen.has(consumer.name)) problems.push(`${where}: declared twice`);
    seen.add(consumer.name);
    for (const tokenName of consumer.tokens) {
      if (!props.tokens.has(tokenName)) {
        problems.push(
          `${where} names token "${tokenName}", which is not declared; declared: ${[...props.tokens.keys()].join(', ')}`,
        );
      }
    }
    const kinds = [consumer.github, consumer.gitlab, consumer.roleArn].filter((k) => k !== undefined).length;
    if (kinds !== 1) problems.push(`${where}: give exactly one of github, gitlab or roleArn`);
    if (consumer.github && subjectsOf(consumer).length === 0) {
      problems.push(`${where}: github lists no branches and no environments, so no workflow could assume the role`);
    }
    if (consumer.gitlab && subjectsOf(consumer).length === 0) {
      problems.push(`${where}: gitlab lists no refs, so no pipeline could assume the role`);
    }
    if (consumer.roleArn) {
      const roleAccount = consumer.roleArn.split(':')[4];
      // CDK cannot attach a policy to a role in another account: it would silently fall back to resource
      // policies on each secret and the key instead. Grant from the role's own account (or put CI there).
      if (!Token.isUnresolved(account) && roleAccount !== account) {
        problems.push(
          `${where}: roleArn is in account ${roleAccount}, not this environment's account ${account}; tokenwarden only attaches policies to roles in its own account`,
        );
      }
    } else if (
      !Number.isInteger(consumer.maxSession / 1000) ||
      consumer.maxSession < MIN_SESSION_MS ||
      consumer.maxSession > MAX_SESSION_MS
    ) {
      problems.push(`${where}: maxSession must be whole seconds between 1h and 12h (IAM's bounds)`);
    }
  }
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
}
