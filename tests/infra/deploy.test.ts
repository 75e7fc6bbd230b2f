/**
 * `npm run deploy`: cdk deploy, then `feeds republish --stale` with what the deploy wrote to cdk-outputs.json and
 * the feed settings the deployed regenerate function renders with. Nothing here reaches AWS: the republish's
 * settings are checked against the synthesized function, offline.
 */
import { describe, expect, it } from 'vitest';
import { configOf, contextOf, republishAfterDeploy } from '../../cli/deploy.ts';
import { feedEnvOf } from '../../infra/config.ts';
import { resourceOf, templates } from './synth.ts';

const FEED_SETTING = /^(FEED_|FEEDS_LANGUAGE$|PUBLISHER_NAME$|WEBSUB_HUBS$)/;

describe('npm run deploy', () => {
  it('reads -c pairs as the CDK does', () => {
    expect(
      contextOf(['-c', 'stage=live', '--context', 'feedSize=20', '--context=publisherName=A = B', 'x']),
    ).toEqual({ stage: 'live', feedSize: '20', publisherName: 'A = B' });
  });

  it.each([
    {},
    { stage: 'live', production: 'false', feedSize: '20', feedTtlMinutes: '10', edgeTtlSeconds: '60' },
    {
      publisherName: 'Wire & Co',
      feedsLanguage: 'fr',
      websubHubs: 'https://hub.example/,https://hub2.example/',
    },
  ])('republishes with the regenerate function’s own feed settings (%j)', (context) => {
    const { pipeline } = templates(context);
    const [, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', 'RegenerateFeedsFunction');
    const deployed = Object.fromEntries(
      Object.entries(fn.Properties?.Environment.Variables as Record<string, unknown>).filter(([key]) =>
        FEED_SETTING.test(key),
      ),
    );
    const args = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
    const { FEEDS_BASE_URL, ...settings } = feedEnvOf(configOf(args), 'https://feeds.example/');
    expect(FEEDS_BASE_URL).toBe('https://feeds.example/');
    expect(settings).toEqual(deployed);
  });

  it('runs the stale republish against the deployed table, bucket and public base', () => {
    const config = configOf(['-c', 'stage=live', '-c', 'production=false', '-c', 'feedSize=20']);
    const outputs = {
      'FeedPipeline-live-State': { TableName: 'table-1', BucketName: 'bucket-1' },
      'FeedPipeline-live-Pipeline': { FeedsBaseUrl: 'https://d123.cloudfront.net/', ApiUrl: 'https://api/' },
    };
    const republish = republishAfterDeploy(outputs, config, { region: 'eu-west-1', share: '0.1' });
    expect(republish.args).toEqual([
      'feeds',
      'republish',
      '--stale',
      '--table',
      'table-1',
      '--bucket',
      'bucket-1',
      '--feeds-base-url',
      'https://d123.cloudfront.net/',
      '--region',
      'eu-west-1',
      '--share',
      '0.1',
    ]);
    expect(republish.env).toMatchObject({ FEEDS_BASE_URL: 'https://d123.cloudfront.net/', FEED_SIZE: '20' });
    expect(() => republishAfterDeploy(outputs, configOf(['-c', 'stage=dev']))).toThrow(
      'has no TableName, BucketName and FeedsBaseUrl for stage dev',
    );
  });
});
