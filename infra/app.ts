import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface BuiltApp {
  app: App;
  state: StatefulStack;
  pipeline: StatelessStack;
}

/**
 * Builds the app for a stage (`-c stage=dev -c production=false`): the stateful stack (table, buckets, and the
 * public addresses: CDN and domains, which no release of code may move) and the stateless one (functions, API,
 * alarms) that receives them. No physical names, so stages share an account. The app
 * does no lookups, so it synthesizes without credentials or network. cdk-nag's AwsSolutions checks run on
 * every synthesis; an unacknowledged error fails it.
 */
export function buildApp(app: App = new App()): BuiltApp {
  const config = readConfig(app.node);
  const prefix = `FeedPipeline-${config.stage}`;
  const state = new StatefulStack(app, `${prefix}-State`, {
    config,
    description: `feed-pipeline ${config.stage}: article table, feeds bucket and its CDN, domains, access logs`,
  });
  const pipeline = new StatelessStack(app, `${prefix}-Pipeline`, {
    config,
    table: state.table,
    bucket: state.feedsBucketExports,
    edge: state.edge,
    description: `feed-pipeline ${config.stage}: functions, editor API, alarms`,
  });
  // The bucket arrives by export name, which CDK cannot see as a reference: order the stacks explicitly.
  pipeline.addStackDependency(state);
  Tags.of(app).add('project', 'feed-pipeline');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, state, pipeline };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) buildApp().app.synth();
