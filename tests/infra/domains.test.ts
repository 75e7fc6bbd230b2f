import { describe, expect, it } from 'vitest';
import { buildFor, resourceOf, templates } from './synth.ts';

const FEEDS_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const API_CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000';
const ZONE = { hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'newsroom.example' };
const DOMAINS = {
  stage: 'dev',
  feedsDomain: 'feeds.newsroom.example',
  feedsCertificateArn: FEEDS_CERT,
  apiDomain: 'api.newsroom.example',
  apiCertificateArn: API_CERT,
};

describe('public addresses on domains of their own', () => {
  it('serve the feeds on the configured domain with its certificate and TLS 1.2, and write that base into every feed', () => {
    const { state, pipeline } = templates(DOMAINS);
    const [, distribution] = resourceOf(state, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    expect(distribution.Properties?.DistributionConfig.Aliases).toEqual(['feeds.newsroom.example']);
    expect(distribution.Properties?.DistributionConfig.ViewerCertificate).toEqual({
      AcmCertificateArn: FEEDS_CERT,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    const [, regenerate] = resourceOf(pipeline, 'AWS::Lambda::Function', 'RegenerateFeedsFunction');
    // A plain string: no reference to the distribution, so replacing it (or this stack) moves no feed URL.
    expect(regenerate.Properties?.Environment.Variables.FEEDS_BASE_URL).toBe(
      'https://feeds.newsroom.example/',
    );
    pipeline.hasOutput('FeedsBaseUrl', { Value: 'https://feeds.newsroom.example/' });
  });

  it('keep the API domain in the stateful stack and map whichever API the stateless stack holds onto it', () => {
    const { state, pipeline } = templates(DOMAINS);
    const [domainId, domain] = resourceOf(state, 'AWS::ApiGatewayV2::DomainName', 'EdgeApiDomain');
    expect(domain.Properties?.DomainName).toBe('api.newsroom.example');
    expect(domain.Properties?.DomainNameConfigurations).toEqual([
      expect.objectContaining({ CertificateArn: API_CERT, EndpointType: 'REGIONAL' }),
    ]);
    const [apiId] = resourceOf(pipeline, 'AWS::ApiGatewayV2::Api', 'EditorApi');
    const [, mapping] = resourceOf(pipeline, 'AWS::ApiGatewayV2::ApiMapping', 'ApiMapping');
    expect(mapping.Properties?.ApiId).toEqual({ Ref: apiId });
    expect(mapping.Properties?.DomainName).toEqual({ 'Fn::ImportValue': expect.stringContaining(domainId) });
    pipeline.hasOutput('ApiUrl', { Value: 'https://api.newsroom.example/' });
    // No DNS records without a zone: the operator points the names at the outputs.
    expect(state.findResources('AWS::Route53::RecordSet')).toEqual({});
  });

  it('with a hosted zone, add alias records for both names and issue the API certificate there', () => {
    const { state } = templates({ ...DOMAINS, ...ZONE, apiCertificateArn: undefined });
    const records = Object.values(state.findResources('AWS::Route53::RecordSet')).map((record) => [
      record.Properties.Name,
      record.Properties.Type,
    ]);
    expect(records.sort()).toEqual([
      ['api.newsroom.example.', 'A'],
      ['feeds.newsroom.example.', 'A'],
      ['feeds.newsroom.example.', 'AAAA'],
    ]);
    const [, certificate] = resourceOf(state, 'AWS::CertificateManager::Certificate', 'EdgeApiCertificate');
    expect(certificate.Properties).toMatchObject({
      DomainName: 'api.newsroom.example',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'api.newsroom.example', HostedZoneId: ZONE.hostedZoneId }],
    });
  });

  it('synthesize offline and pass cdk-nag with domains, as without', () => {
    for (const context of [DOMAINS, { ...DOMAINS, ...ZONE, apiCertificateArn: undefined }]) {
      const built = buildFor(context);
      const assembly = built.app.synth();
      expect(assembly.manifest.missing).toBeUndefined();
    }
  });

  it('refuse a feeds certificate outside us-east-1, a domain without a certificate, or a name outside the zone', () => {
    expect(() => buildFor({ ...DOMAINS, feedsCertificateArn: API_CERT })).toThrow(
      /feedsCertificateArn must name a certificate in us-east-1/,
    );
    expect(() => buildFor({ ...DOMAINS, feedsCertificateArn: undefined })).toThrow(
      /feedsDomain needs feedsCertificateArn/,
    );
    expect(() => buildFor({ ...DOMAINS, apiCertificateArn: undefined })).toThrow(
      /apiDomain needs apiCertificateArn/,
    );
    expect(() => buildFor({ ...DOMAINS, feedsDomain: 'feeds_newsroom' })).toThrow(
      /feedsDomain must be a domain name/,
    );
    expect(() => buildFor({ ...DOMAINS, ...ZONE, feedsDomain: 'feeds.elsewhere.example' })).toThrow(
      /feedsDomain feeds.elsewhere.example is not in the hosted zone newsroom.example/,
    );
    expect(() => buildFor({ ...DOMAINS, hostedZoneId: ZONE.hostedZoneId })).toThrow(/go together/);
  });
});
