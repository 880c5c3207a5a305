import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { CfnTemplate, DeployTarget, Resolved } from './template-resolver';
import { TemplateResolver } from './template-resolver';

/**
 * Least-privilege questions asked of a synthesized template with @cloud-copilot/iam-simulate, after
 * {@link TemplateResolver} has made its policy documents concrete.
 */

/** What iam-simulate decides. */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** An IAM policy document, resolved. */
export type PolicyDocument = { Version?: string; Statement: Resolved[] };

/**
 * iam-simulate keeps only the condition keys its IAM dataset lists for an action. For
 * sts:AssumeRoleWithWebIdentity that is the named IdPs (`accounts.google.com:sub`, ...), not generic OIDC
 * issuers (`token.actions.githubusercontent.com:sub`), which it silently drops ("ignoredContextKeys"), and
 * `runUnsafeSimulation` (no key filtering) crashes on any resource policy in 0.1.173. So trust policies are
 * evaluated by renaming the *requesting issuer's* claim keys, in the policy and in the request alike, to the
 * dataset's `accounts.google.com:<claim>`; the library's own StringEquals/StringLike then decide. Keys of
 * any other issuer stay as they are and are missing from the request, as they would be in AWS.
 */
const STAND_IN_PREFIX = 'accounts.google.com';

/** The role policies, trust policies and key policy of one synthesized stack. */
export class TemplateIam {
  public readonly resolver: TemplateResolver;

  public constructor(
    private readonly template: CfnTemplate,
    public readonly target: DeployTarget,
  ) {
    this.resolver = new TemplateResolver(template, target);
  }

  /** Logical ids of resources of `type`. */
  public logicalIdsOf(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** Every AWS::IAM::Policy attached to the role called `roleName` (a template role's name or an imported one). */
  public identityPolicies(roleName: string): { name: string; policy: PolicyDocument }[] {
    return this.logicalIdsOf('AWS::IAM::Policy').flatMap((id) => {
      const props = this.template.Resources[id]?.Properties ?? {};
      const roles = this.resolver.resolve(props['Roles'] ?? []);
      if (!Array.isArray(roles) || !roles.includes(roleName)) return [];
      return [{ name: id, policy: this.resolver.resolve(props['PolicyDocument']) as PolicyDocument }];
    });
  }

  /** The trust policy of the template role `logicalId`. */
  public trustPolicy(logicalId: string): PolicyDocument {
    const props = this.template.Resources[logicalId]?.Properties ?? {};
    return this.resolver.resolve(props['AssumeRolePolicyDocument']) as PolicyDocument;
  }

  /** The policy of the only KMS key in the template, and the key's ARN. */
  public key(): { arn: string; policy: PolicyDocument } {
    const [id, ...more] = this.logicalIdsOf('AWS::KMS::Key');
    if (!id || more.length > 0) throw new Error(`expected one KMS key, found ${more.length + (id ? 1 : 0)}`);
    const props = this.template.Resources[id]?.Properties ?? {};
    return { arn: this.resolver.arnOf(id), policy: this.resolver.resolve(props['KeyPolicy']) as PolicyDocument };
  }

  /** The ARN of the secret named `name`. */
  public secretArn(name: string): string {
    const id = this.logicalIdsOf('AWS::SecretsManager::Secret').find(
      (s) => this.template.Resources[s]?.Properties?.['Name'] === name,
    );
    if (!id) throw new Error(`no secret named ${name}`);
    return this.resolver.arnOf(id);
  }

  /**
   * Whether a session of role `roleName` may call `action` on `resource` (identity policies of the role,
   * plus `resourcePolicy` when given, e.g. the key policy).
   */
  public async decide(request: {
    roleName: string;
    action: string;
    resource: string;
    context?: Record<string, string>;
    resourcePolicy?: PolicyDocument;
  }): Promise<Decision> {
    const { account } = this.target;
    const simulation: Simulation = {
      identityPolicies: this.identityPolicies(request.roleName),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
      request: {
        action: request.action,
        principal: `arn:aws:sts::${account}:assumed-role/${request.roleName}/ci-job`,
        resource: { accountId: account, resource: request.resource },
        contextVariables: request.context ?? {},
      },
    };
    return outcome(await runSimulation(simulation, {}), request);
  }

  /**
   * Whether a web identity token from `issuer` (provider ARN `providerArn`) with claims `claims` may
   * AssumeRoleWithWebIdentity into the template role `roleLogicalId`.
   */
  public async decideWebIdentity(request: {
    roleLogicalId: string;
    providerArn: string;
    claims: Record<string, string>;
  }): Promise<Decision> {
    const issuerHost = request.providerArn.split(':oidc-provider/')[1] ?? '';
    const trust = renameIssuerKeys(this.trustPolicy(request.roleLogicalId), issuerHost);
    const context = Object.fromEntries(
      Object.entries(request.claims).map(([claim, value]) => [`${STAND_IN_PREFIX}:${claim}`, value]),
    );
    const simulation: Simulation = {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
      request: {
        action: 'sts:AssumeRoleWithWebIdentity',
        principal: request.providerArn,
        resource: {
          accountId: this.target.account,
          resource: this.resolver.arnOf(request.roleLogicalId),
        },
        contextVariables: context,
      },
    };
    return outcome(await runSimulation(simulation, {}), request);
  }
}

/** `policy` with condition keys `<issuerHost>:<claim>` renamed to the simulator's stand-in prefix. */
export function renameIssuerKeys(policy: PolicyDocument, issuerHost: string): PolicyDocument {
  const rename = (value: Resolved): Resolved => {
    if (Array.isArray(value)) return value.map(rename);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key.startsWith(`${issuerHost}:`) ? `${STAND_IN_PREFIX}:${key.slice(issuerHost.length + 1)}` : key,
        rename(item),
      ]),
    );
  };
  return rename(policy as unknown as Resolved) as unknown as PolicyDocument;
}

function outcome(result: Awaited<ReturnType<typeof runSimulation>>, request: unknown): Decision {
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected ${JSON.stringify(request)}: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType === 'single' && (result.result.ignoredContextKeys ?? []).length > 0) {
    // A dropped key would make a condition fail for the wrong reason; refuse rather than pass vacuously.
    throw new Error(`iam-simulate ignored context keys ${result.result.ignoredContextKeys?.join(', ')}`);
  }
  return result.overallResult as Decision;
}
