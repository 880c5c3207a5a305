import { createHash } from 'node:crypto';

/**
 * Turns a synthesized CloudFormation template's intrinsics into the concrete values CloudFormation would
 * produce, so IAM policy documents can be fed to a policy simulator offline. Each resource gets a fake but
 * well-formed ARN in the template's account and region, derived from its logical id (stable across runs).
 *
 * Only what tokenwarden's templates use is supported: `Ref` and `Fn::GetAtt [.., Arn]` of secrets, keys,
 * roles and OIDC providers, the pseudo parameters, and `Fn::Join`. Anything else throws, naming the
 * intrinsic, so a template change cannot silently resolve to something wrong.
 */

/** The slice of a CloudFormation template the resolver reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

/** Where the template is deployed. */
export interface DeployTarget {
  readonly account: string;
  readonly region: string;
}

/** Thrown for an intrinsic or a reference the resolver does not know. */
export class UnresolvableError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UnresolvableError';
  }
}

/** A value with every intrinsic replaced by a string. */
export type Resolved = string | number | boolean | null | Resolved[] | { [key: string]: Resolved };

const PARTITION = 'aws';

/** Six characters, like the random suffix Secrets Manager appends to a secret's ARN. */
function suffix(logicalId: string): string {
  return createHash('sha256').update(logicalId).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6);
}

/** A deterministic key id in UUID shape. */
function keyId(logicalId: string): string {
  const hex = createHash('sha256').update(logicalId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The resolver for one template and target. */
export class TemplateResolver {
  public constructor(
    private readonly template: CfnTemplate,
    private readonly target: DeployTarget,
  ) {}

  /** The ARN CloudFormation would give the resource `logicalId`. */
  public arnOf(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new UnresolvableError(`no resource ${logicalId} in the template`);
    const { account, region } = this.target;
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SecretsManager::Secret': {
        const name = typeof props['Name'] === 'string' ? props['Name'] : logicalId;
        return `arn:${PARTITION}:secretsmanager:${region}:${account}:secret:${name}-${suffix(logicalId)}`;
      }
      case 'AWS::KMS::Key':
        return `arn:${PARTITION}:kms:${region}:${account}:key/${keyId(logicalId)}`;
      case 'AWS::IAM::Role':
        return `arn:${PARTITION}:iam::${account}:role/${this.roleNameOf(logicalId)}`;
      case 'AWS::IAM::OIDCProvider': {
        const url = props['Url'];
        if (typeof url !== 'string') throw new UnresolvableError(`${logicalId}: Url is not a plain string`);
        return `arn:${PARTITION}:iam::${account}:oidc-provider/${url.replace(/^https:\/\//, '')}`;
      }
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${region}:${account}:${this.nameOf(logicalId, 'TopicName')}`;
      case 'AWS::SQS::Queue':
        return `arn:${PARTITION}:sqs:${region}:${account}:${this.nameOf(logicalId, 'QueueName')}`;
      case 'AWS::Lambda::Function':
        return `arn:${PARTITION}:lambda:${region}:${account}:function:${this.nameOf(logicalId, 'FunctionName')}`;
      case 'AWS::Events::EventBus':
        return `arn:${PARTITION}:events:${region}:${account}:event-bus/${this.nameOf(logicalId, 'Name')}`;
      case 'AWS::Events::Rule':
        return `arn:${PARTITION}:events:${region}:${account}:rule/${this.nameOf(logicalId, 'Name')}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${PARTITION}:logs:${region}:${account}:log-group:${this.nameOf(logicalId, 'LogGroupName')}:*`;
      case 'AWS::Scheduler::Schedule':
        return `arn:${PARTITION}:scheduler:${region}:${account}:schedule/default/${this.nameOf(logicalId, 'Name')}`;
      default:
        throw new UnresolvableError(`no ARN rule for ${logicalId} of type ${resource.Type}`);
    }
  }

  /** A resource's name property when it is a plain string, else its logical id (standing in for a generated name). */
  private nameOf(logicalId: string, property: string): string {
    const name = this.template.Resources[logicalId]?.Properties?.[property];
    return typeof name === 'string' ? name : logicalId;
  }

  /** The name a role gets: its RoleName, or the logical id standing in for CloudFormation's generated name. */
  public roleNameOf(logicalId: string): string {
    const name = this.template.Resources[logicalId]?.Properties?.['RoleName'];
    return typeof name === 'string' ? name : logicalId;
  }

  /** `value` with every intrinsic resolved. @throws UnresolvableError on an unknown intrinsic or reference */
  public resolve(value: unknown): Resolved {
    if (value === null || typeof value !== 'object') {
      if (value === undefined) throw new UnresolvableError('undefined is not a template value');
      return value as Resolved;
    }
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1]);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  private intrinsic(name: string, arg: unknown): string {
    switch (name) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        if (attribute !== 'Arn') throw new UnresolvableError(`Fn::GetAtt ${logicalId}.${attribute} is not supported`);
        return this.arnOf(String(logicalId));
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2 || !Array.isArray(arg[1])) {
          throw new UnresolvableError(`malformed Fn::Join ${JSON.stringify(arg)}`);
        }
        const parts = (arg[1] as unknown[]).map((part) => this.resolve(part));
        if (parts.some((part) => typeof part !== 'string')) {
          throw new UnresolvableError(`Fn::Join of a non-string ${JSON.stringify(parts)}`);
        }
        return parts.join(String(arg[0]));
      }
      default:
        throw new UnresolvableError(`${name} is not supported`);
    }
  }

  private ref(target: string): string {
    switch (target) {
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::Region':
        return this.target.region;
      case 'AWS::AccountId':
        return this.target.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    const resource = this.template.Resources[target];
    if (!resource) throw new UnresolvableError(`Ref to ${target}, which is not in the template`);
    // Ref returns the ARN for secrets and OIDC providers, the name for roles, the key id for keys.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values
    switch (resource.Type) {
      case 'AWS::SecretsManager::Secret':
      case 'AWS::IAM::OIDCProvider':
        return this.arnOf(target);
      case 'AWS::IAM::Role':
        return this.roleNameOf(target);
      case 'AWS::KMS::Key':
        return this.arnOf(target).split('/')[1] ?? '';
      // Ref gives the ARN for topics, the URL for queues, the name for functions, buses and log groups.
      case 'AWS::SNS::Topic':
        return this.arnOf(target);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.target.region}.amazonaws.com/${this.target.account}/${this.nameOf(target, 'QueueName')}`;
      case 'AWS::Lambda::Function':
        return this.nameOf(target, 'FunctionName');
      case 'AWS::Events::EventBus':
        return this.nameOf(target, 'Name');
      case 'AWS::Logs::LogGroup':
        return this.nameOf(target, 'LogGroupName');
      default:
        throw new UnresolvableError(`no Ref rule for ${target} of type ${resource.Type}`);
    }
  }
}
