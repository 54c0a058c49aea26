import { describe, expect, test } from 'vitest';
import {
  envVarNameProblem,
  iamRoleArnProblem,
  mediaPackageChannelIdProblem,
  mediaStoreContainerNameProblem,
  regionProblem,
  s3BucketNameProblem,
  secretsManagerArnProblem,
  ssmParameterNameProblem,
} from './aws-names.js';

describe('s3BucketNameProblem', () => {
  test.each(['abc', 'sports-live-p0', 'a'.repeat(63), '123-456', 'my--bucket'])('accepts %s', (name) => {
    expect(s3BucketNameProblem(name)).toBeUndefined();
  });

  test.each([
    ['ab', 's3.bucket-name.length'],
    ['a'.repeat(64), 's3.bucket-name.length'],
    ['My-Bucket', 's3.bucket-name.chars'],
    ['my_bucket', 's3.bucket-name.chars'],
    ['my bucket', 's3.bucket-name.chars'],
    ['-bucket', 's3.bucket-name.start-end'],
    ['bucket-', 's3.bucket-name.start-end'],
    ['192.168.5.4', 's3.bucket-name.ip-address'],
    ['xn--bucket', 's3.bucket-name.reserved-prefix'],
    ['sthree-bucket', 's3.bucket-name.reserved-prefix'],
    ['amzn-s3-demo-bucket', 's3.bucket-name.reserved-prefix'],
    ['bucket-s3alias', 's3.bucket-name.reserved-suffix'],
    ['bucket--ol-s3', 's3.bucket-name.reserved-suffix'],
    ['bucket.mrap', 's3.bucket-name.reserved-suffix'],
    ['bucket--x-s3', 's3.bucket-name.reserved-suffix'],
    ['bucket--table-s3', 's3.bucket-name.reserved-suffix'],
    ['my.bucket', 's3.bucket-name.dots'],
    ['my..bucket', 's3.bucket-name.dots'],
  ])('rejects %s with %s', (name, code) => {
    expect(s3BucketNameProblem(name)?.code).toBe(code);
  });
});

describe('mediaPackageChannelIdProblem', () => {
  test.each(['a', 'Curling_Live-1', 'x'.repeat(256)])('accepts %s', (id) => {
    expect(mediaPackageChannelIdProblem(id)).toBeUndefined();
  });
  test.each(['', 'x'.repeat(257), 'has space', 'dots.not.allowed', 'slash/no'])('rejects %j', (id) => {
    expect(mediaPackageChannelIdProblem(id)?.code).toBe('mediapackage.channel-id');
  });
});

describe('mediaStoreContainerNameProblem', () => {
  test.each(['a', 'live_origin-p0', 'x'.repeat(255)])('accepts %s', (name) => {
    expect(mediaStoreContainerNameProblem(name)).toBeUndefined();
  });
  test.each(['', 'x'.repeat(256), 'a.b', 'a b'])('rejects %j', (name) => {
    expect(mediaStoreContainerNameProblem(name)?.code).toBe('mediastore.container-name');
  });
});

describe('ssmParameterNameProblem', () => {
  test.each([
    'password',
    '/mlds/live/cdn/password',
    'my_param.v1-a',
    `/${Array.from({ length: 15 }, () => 'l').join('/')}`,
  ])('accepts %s', (name) => {
    expect(ssmParameterNameProblem(name)).toBeUndefined();
  });
  test.each([
    ['', 'characters'],
    ['x'.repeat(2049), 'characters'],
    ['has space', 'letters, digits'],
    ['awsKey', '`aws` or `ssm`'],
    ['AWS-key', '`aws` or `ssm`'],
    ['/aws/key', '`aws` or `ssm`'],
    ['SSM/key', '`aws` or `ssm`'],
    ['/Ssm-key', '`aws` or `ssm`'],
    ['live/password', 'start with `/`'],
    [`/${Array.from({ length: 16 }, () => 'l').join('/')}`, 'at most 15 levels'],
  ])('rejects %j (%s)', (name, problem) => {
    const result = ssmParameterNameProblem(name);
    expect(result?.code).toBe('ssm.parameter-name');
    expect(result?.problem).toContain(problem);
  });
});

describe('envVarNameProblem', () => {
  test.each(['KEY', '_key', 'STREAM_KEY_2'])('accepts %s', (name) => {
    expect(envVarNameProblem(name)).toBeUndefined();
  });
  test.each(['', '2KEY', 'STREAM-KEY', 'A B', 'KEY$'])('rejects %j', (name) => {
    expect(envVarNameProblem(name)?.code).toBe('secret.env-name');
  });
});

describe('regionProblem', () => {
  test.each(['us-west-2', 'cn-north-1', 'us-gov-west-1', 'ap-southeast-3', 'eusc-de-east-1', 'il-central-1'])(
    'accepts %s',
    (region) => {
      expect(regionProblem(region)).toBeUndefined();
    },
  );
  test.each(['', 'US-WEST-2', 'us-west', 'uswest2', 'us_west_2', 'us-west-2a'])('rejects %j', (region) => {
    expect(regionProblem(region)?.code).toBe('region.format');
  });
});

describe('iamRoleArnProblem', () => {
  test.each([
    'arn:aws:iam::111122223333:role/MediaLiveAccessRole',
    'arn:aws-cn:iam::111122223333:role/service-role/MediaLive+Role=x,y.z@w',
    'arn:aws-us-gov:iam::111122223333:role/a',
  ])('accepts %s', (arn) => {
    expect(iamRoleArnProblem(arn)).toBeUndefined();
  });
  test.each([
    'MediaLiveAccessRole',
    'arn:aws:iam::111122223333:user/alice',
    'arn:aws:iam::1111:role/x',
    'arn:aws:iam:us-west-2:111122223333:role/x',
    'arn:aws:sts::111122223333:role/x',
  ])('rejects %s', (arn) => {
    expect(iamRoleArnProblem(arn)?.code).toBe('iam.role-arn');
  });
});

describe('secretsManagerArnProblem', () => {
  test.each([
    'arn:aws:secretsmanager:us-west-2:111122223333:secret:srt-passphrase-AbCdEf',
    'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:a/b_c+d=e.f@g-h',
  ])('accepts %s', (arn) => {
    expect(secretsManagerArnProblem(arn)).toBeUndefined();
  });
  test.each([
    'srt-passphrase',
    'arn:aws:ssm:us-west-2:111122223333:parameter/srt',
    'arn:aws:secretsmanager:us-west-2:111122223333:srt',
    'arn:aws:secretsmanager::111122223333:secret:srt',
  ])('rejects %s', (arn) => {
    expect(secretsManagerArnProblem(arn)?.code).toBe('srt.passphrase-arn');
  });
});
