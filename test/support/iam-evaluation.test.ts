import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { type PolicyDocument, renameIssuerKeys, TemplateIam } from './iam-evaluation';

const ACCOUNT = '111122223333';
const GITHUB = 'token.actions.githubusercontent.com';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;

const trust: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: PROVIDER },
      Condition: {
        StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${GITHUB}:sub`]: ['repo:acme/web-app:ref:refs/heads/main'], 'gitlab.com:sub': 'x' },
      },
    },
  ],
};

function withoutGitlabKey(policy: PolicyDocument): PolicyDocument {
  const text = JSON.stringify(policy).replace(/,"gitlab\.com:sub":"x"/, '');
  return JSON.parse(text) as PolicyDocument;
}

const iam = new TemplateIam(
  {
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust } },
      CleanRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: withoutGitlabKey(trust) } },
      Reader: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'Secret' } }],
          },
        },
      },
      Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'tokenwarden/qa/a' } },
    },
  },
  { account: ACCOUNT, region: 'eu-west-1' },
);

describe('iam-simulate on web identity trust policies (why TemplateIam renames claim keys)', () => {
  it('drops generic OIDC claim keys such as token.actions.githubusercontent.com:sub, so it cannot judge them as written', async () => {
    const result = await runSimulation(
      {
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
        request: {
          action: 'sts:AssumeRoleWithWebIdentity',
          principal: PROVIDER,
          resource: { accountId: ACCOUNT, resource: `arn:aws:iam::${ACCOUNT}:role/Role` },
          contextVariables: {
            [`${GITHUB}:sub`]: 'repo:acme/web-app:ref:refs/heads/main',
            [`${GITHUB}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
      {},
    );
    // If a newer iam-simulate keeps these keys, this fails: then drop the renaming in iam-evaluation.ts.
    expect(result.resultType === 'single' && result.result.ignoredContextKeys).toEqual([
      `${GITHUB}:sub`,
      `${GITHUB}:aud`,
    ]);
  });
});

describe('renameIssuerKeys', () => {
  it('renames only the requesting issuer’s claim keys and leaves other issuers’ keys missing from the request', () => {
    const renamed = renameIssuerKeys(trust, GITHUB);
    expect(renamed.Statement[0]).toMatchObject({
      Condition: {
        StringEquals: { 'accounts.google.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'accounts.google.com:sub': ['repo:acme/web-app:ref:refs/heads/main'], 'gitlab.com:sub': 'x' },
      },
    });
  });
});

describe('TemplateIam', () => {
  it('decides a trust policy with the library: allowed only when every condition holds', async () => {
    const assume = (roleLogicalId: string, claims: Record<string, string>) =>
      iam.decideWebIdentity({ roleLogicalId, providerArn: PROVIDER, claims });
    const good = { sub: 'repo:acme/web-app:ref:refs/heads/main', aud: 'sts.amazonaws.com' };
    expect(await assume('CleanRole', good)).toBe('Allowed');
    expect(await assume('CleanRole', { ...good, sub: 'repo:acme/web-app:ref:refs/heads/dev' })).toBe(
      'ImplicitlyDenied',
    );
    // The stray gitlab.com:sub condition in `trust` can never hold for a GitHub token, as in AWS.
    expect(await assume('Role', good)).toBe('ImplicitlyDenied');
  });

  it('finds the policies attached to a role by its resolved name and decides identity requests', async () => {
    expect(iam.identityPolicies('Role').map((p) => p.name)).toEqual(['Reader']);
    const secret = iam.secretArn('tokenwarden/qa/a');
    const decide = (action: string) => iam.decide({ roleName: 'Role', action, resource: secret });
    expect(await decide('secretsmanager:GetSecretValue')).toBe('Allowed');
    expect(await decide('secretsmanager:PutSecretValue')).toBe('ImplicitlyDenied');
  });

  it('refuses to answer when iam-simulate would ignore a context key (no vacuous denials)', async () => {
    await expect(
      iam.decide({
        roleName: 'Role',
        action: 'secretsmanager:GetSecretValue',
        resource: iam.secretArn('tokenwarden/qa/a'),
        context: { 'token.actions.githubusercontent.com:sub': 'x' },
      }),
    ).rejects.toThrow(/ignored context keys/);
  });
});
