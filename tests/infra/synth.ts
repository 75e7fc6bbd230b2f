import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuiltApp, buildApp } from '../../infra/app.ts';
import { REPO_ROOT } from '../../infra/house-function.ts';

/** The context `cdk synth` runs with (cdk.json: stage default and feature flags), so tests synth the same app. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'),
).context;

export interface SynthOptions {
  /** Run esbuild for each function (slow); by default bundling is skipped and assets are placeholders. */
  bundle?: boolean;
  outdir?: string;
}

/** Builds the app for some context, as `cdk synth -c key=value` would; cdk-nag runs when a template is read. */
export function buildFor(context: Record<string, unknown> = {}, options: SynthOptions = {}): BuiltApp {
  const app = new App({
    context: {
      ...CDK_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  return buildApp(app);
}

export interface StageTemplates {
  built: BuiltApp;
  state: Template;
  /** The public addresses' resources: the stateful stack's template. */
  edge: Template;
  pipeline: Template;
}

const cache = new Map<string, StageTemplates>();

/** Both templates of a stage; synthesized once per distinct context within a test file. */
export function templates(context: Record<string, unknown> = {}): StageTemplates {
  const key = JSON.stringify(context);
  let found = cache.get(key);
  if (!found) {
    const built = buildFor(context);
    found = {
      built,
      state: Template.fromStack(built.state),
      edge: Template.fromStack(built.state),
      pipeline: Template.fromStack(built.pipeline),
    };
    cache.set(key, found);
  }
  return found;
}

type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string };

/** The one resource of a type whose logical id starts with a prefix. */
export function resourceOf(template: Template, type: string, idPrefix: string): [string, Resource] {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    id.startsWith(idPrefix),
  );
  if (matches.length !== 1)
    throw new Error(`expected one ${type} named ${idPrefix}*, found ${matches.length}`);
  return matches[0] as [string, Resource];
}

/** Every statement of the identity policies attached to a role whose logical id starts with a prefix. */
export function statementsOf(template: Template, rolePrefix: string): any[] {
  const [roleId] = resourceOf(template, 'AWS::IAM::Role', rolePrefix);
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => policy.Properties?.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties?.PolicyDocument.Statement);
}

/** Every action a set of statements allows, flattened. */
export function allowedActions(statements: any[]): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => [statement.Action].flat())
    .sort();
}
