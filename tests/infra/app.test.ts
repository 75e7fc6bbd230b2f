import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { HouseFunction, REPO_ROOT } from '../../infra/house-function.ts';
import { buildFor, templates } from './synth.ts';

/** Properties that name a resource uniquely within an account and region (or globally, for CloudFront). */
const UNIQUE_NAMES: Record<string, (properties: Record<string, any>) => unknown> = {
  'AWS::DynamoDB::GlobalTable': (p) => p.TableName,
  'AWS::S3::Bucket': (p) => p.BucketName,
  'AWS::Lambda::Function': (p) => p.FunctionName,
  'AWS::IAM::Role': (p) => p.RoleName,
  'AWS::SQS::Queue': (p) => p.QueueName,
  'AWS::SNS::Topic': (p) => p.TopicName,
  'AWS::Logs::LogGroup': (p) => p.LogGroupName,
  'AWS::CloudWatch::Alarm': (p) => p.AlarmName,
  'AWS::CloudWatch::Dashboard': (p) => p.DashboardName,
  'AWS::ApiGatewayV2::Api': (p) => p.Name,
  'AWS::CloudFront::CachePolicy': (p) => p.CachePolicyConfig.Name,
  'AWS::CloudFront::ResponseHeadersPolicy': (p) => p.ResponseHeadersPolicyConfig.Name,
  'AWS::CloudFront::OriginAccessControl': (p) => p.OriginAccessControlConfig.Name,
};

/** Which resources of a template carry a physical name that is set at all, and all names (and exports). */
function namesOf(template: Template): { named: string[]; names: string[] } {
  const named: string[] = [];
  const names: string[] = [];
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: any }>;
  for (const [id, resource] of Object.entries(resources)) {
    const name = UNIQUE_NAMES[resource.Type]?.(resource.Properties ?? {});
    if (name === undefined) continue;
    named.push(`${resource.Type} ${id}`);
    names.push(JSON.stringify(name));
  }
  for (const output of Object.values((template.toJSON().Outputs ?? {}) as Record<string, any>)) {
    if (output.Export) names.push(JSON.stringify(output.Export.Name));
  }
  return { named, names };
}

describe('stages', () => {
  it('synthesize dev and prod side by side with no name in common, so both fit in one account', () => {
    const dev = templates({ stage: 'dev' });
    const prod = templates({ stage: 'prod', production: 'true' });
    expect(dev.built.state.stackName).toBe('FeedPipeline-dev-State');
    expect(prod.built.pipeline.stackName).toBe('FeedPipeline-prod-Pipeline');
    const devNames = [...namesOf(dev.state).names, ...namesOf(dev.pipeline).names];
    const prodNames = new Set([...namesOf(prod.state).names, ...namesOf(prod.pipeline).names]);
    expect(devNames.length).toBeGreaterThan(5);
    expect(devNames.filter((name) => prodNames.has(name))).toEqual([]);
  });

  it('leave physical names to CloudFormation except where a name is required, and derive those from the stack', () => {
    const { state, pipeline } = templates({ stage: 'dev' });
    const named = [...namesOf(state).named, ...namesOf(pipeline).named].map((entry) => entry.split(' ')[0]);
    // These are required properties (CloudFront's are unique account-wide): CDK derives them from the stack.
    expect(new Set(named)).toEqual(
      new Set([
        'AWS::ApiGatewayV2::Api',
        'AWS::CloudFront::CachePolicy',
        'AWS::CloudFront::ResponseHeadersPolicy',
        'AWS::CloudFront::OriginAccessControl',
      ]),
    );
  });

  it('need no credentials, account, region or lookup to synthesize', () => {
    const built = buildFor({ stage: 'prod', production: 'true' });
    const assembly = built.app.synth();
    expect(assembly.manifest.missing).toBeUndefined();
    for (const stack of assembly.stacks)
      expect(stack.environment.name).toBe('aws://unknown-account/unknown-region');
  });

  it('refuse context that would be unsafe or meaningless, naming the key', () => {
    expect(() => buildFor({ corsOrigins: '*' })).toThrow(/corsOrigins/);
    expect(() => buildFor({ corsOrigins: ['https://ok.example', 'null'] })).toThrow(/corsOrigins/);
    expect(() => buildFor({ stage: 'Prod Stage' })).toThrow(/stage/);
    expect(() => buildFor({ feedSize: '0' })).toThrow(/feedSize/);
    expect(() => buildFor({ alarmEmail: 'oncall' })).toThrow(/alarmEmail/);
    expect(() => buildFor({ authCacheTtlSeconds: '-1' })).toThrow(/authCacheTtlSeconds/);
  });
});

describe('the functions the cloud runs', () => {
  it('are built from the handler modules the local stack imports, one entry each', () => {
    // With a hub configured, so that the notify-hubs function is part of the app too.
    const built = buildFor({ stage: 'dev', websubHubs: 'https://hub.example/' });
    const entries = built.app.node
      .findAll()
      .filter((node): node is HouseFunction => node instanceof HouseFunction)
      .map((fn) => fn.entry)
      .sort();
    const local = readFileSync(join(REPO_ROOT, 'local/stack.ts'), 'utf8');
    const imported = [...local.matchAll(/'#(functions\/[\w-]+\/handler\.ts)'/g)].map((m) => m[1]).sort();
    expect(entries).toEqual([
      'functions/articles/handler.ts',
      'functions/authorizer/handler.ts',
      'functions/notify-hubs/handler.ts',
      'functions/preview/handler.ts',
      'functions/regenerate-feeds/handler.ts',
      'functions/release-articles/handler.ts',
    ]);
    expect(imported).toEqual(entries);
  });
});

interface Finding {
  rule: string;
  path: string;
}

/** Every acknowledgement recorded in the tree: where, which rule (without the Annotation:: prefix), why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: node.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** What AwsSolutions reports with every acknowledgement ignored. */
function allFindings(root: IConstruct): Finding[] {
  const pack = new AwsSolutionsChecks();
  (pack as any).isAcknowledged = () => false;
  return pack.validateScope(root).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      path: resource.constructPath ?? '',
    })),
  );
}

describe('cdk-nag', () => {
  it('passes AwsSolutions on both stages: synthesis fails on any unacknowledged error', () => {
    for (const stage of ['dev', 'prod']) {
      const built = buildFor({
        stage,
        ...(stage === 'prod' ? { production: 'true' } : {}),
        alarmEmail: 'oncall@newsroom.example',
        corsOrigins: 'https://a.example',
      });
      expect(() => built.app.synth()).not.toThrow();
    }
  });

  it('stops synthesis when something non-compliant is added', () => {
    const built = buildFor({ stage: 'dev' });
    built.pipeline.functions.articles.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    expect(() => built.app.synth()).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });

  it('acknowledges only findings that exist, each on the construct that has it, with a reason', () => {
    for (const stage of ['dev', 'prod']) {
      const { built } = templates({ stage, ...(stage === 'prod' ? { production: 'true' } : {}) });
      const findings = allFindings(built.app);
      const acks = acknowledgements(built.app);
      const covered = (finding: Finding) =>
        acks.some((ack) => ack.id === finding.rule && `${finding.path}/`.startsWith(`${ack.path}/`));
      // Every finding, warnings included, is answered by an acknowledgement on the construct or an ancestor.
      expect(findings.filter((finding) => !covered(finding))).toEqual([]);
      for (const ack of acks) {
        expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(60);
        if (!ack.id.startsWith('AwsSolutions-')) continue;
        // No acknowledgement of a rule that does not fire where it was placed.
        const used = findings.some(
          (finding) => finding.rule === ack.id && `${finding.path}/`.startsWith(`${ack.path}/`),
        );
        expect(used, `${ack.path} ${ack.id}`).toBe(true);
      }
    }
  });
});
