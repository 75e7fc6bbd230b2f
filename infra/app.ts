import { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.ts';

/** Builds the app for a stage (`-c stage=dev|prod`); no physical names, so stages share an account. */
export function buildApp(app: App = new App()): App {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage))
    throw new Error(`context stage must be a short lower-case name, not ${stage}`);
  new StatefulStack(app, `FeedPipeline-${stage}-State`, {
    stage,
    description: `feed-pipeline ${stage}: article table`,
  });
  return app;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) buildApp().synth();
