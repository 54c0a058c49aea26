// AWS naming rules, one function per kind of name. Each returns what is wrong with a name (a stable code and a
// phrase that completes "… is not a valid X: <problem>") or undefined. They check names written in the file
// and the names mlds derives itself (names.ts) alike.

import { closest, editDistance } from './suggest.js';

export interface NameProblem {
  code: string;
  problem: string;
}

const S3_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const S3_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** S3 general purpose bucket naming rules (S3 bucketnamingrules), plus MediaLive's "no dots" (ML origin-server-hls-s3). */
export function s3BucketNameProblem(name: string): NameProblem | undefined {
  if (name.length < 3 || name.length > 63) {
    return { code: 's3.bucket-name.length', problem: `it has ${name.length} characters; S3 takes 3 to 63` };
  }
  if (!/^[a-z0-9.-]+$/.test(name)) {
    return {
      code: 's3.bucket-name.chars',
      problem: 'it may hold only lowercase letters, digits and hyphens (no uppercase, underscores or spaces)',
    };
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
    return { code: 's3.bucket-name.start-end', problem: 'it must start and end with a letter or digit' };
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) {
    return { code: 's3.bucket-name.ip-address', problem: 'it must not be formatted as an IP address' };
  }
  const prefix = S3_RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) {
    return {
      code: 's3.bucket-name.reserved-prefix',
      problem: `it must not start with \`${prefix}\`, which S3 reserves`,
    };
  }
  const suffix = S3_RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix !== undefined) {
    return {
      code: 's3.bucket-name.reserved-suffix',
      problem: `it must not end with \`${suffix}\`, which S3 reserves`,
    };
  }
  if (name.includes('.')) {
    return {
      code: 's3.bucket-name.dots',
      problem: 'it contains dots, and MediaLive cannot write to a bucket whose name contains dots',
    };
  }
  return undefined;
}

/** MediaPackage v1 channel ID: 1-256 of [0-9a-zA-Z_-], case-sensitive (MP CreateChannel). */
export function mediaPackageChannelIdProblem(id: string): NameProblem | undefined {
  if (/^[0-9a-zA-Z_-]{1,256}$/.test(id)) return undefined;
  return {
    code: 'mediapackage.channel-id',
    problem: 'a MediaPackage channel ID is 1 to 256 letters, digits, `_` and `-`',
  };
}

/** MediaPackage v2 channel group or channel name: 1-256 of [a-zA-Z0-9_-] (MP channels-create, API). */
export function mediaPackageV2NameProblem(name: string): NameProblem | undefined {
  if (/^[a-zA-Z0-9_-]{1,256}$/.test(name)) return undefined;
  return {
    code: 'mediapackage-v2.name',
    problem: 'a MediaPackage v2 channel group or channel name is 1 to 256 letters, digits, `_` and `-`',
  };
}

/** MediaStore ContainerName: 1-255 of [\w-]. */
export function mediaStoreContainerNameProblem(name: string): NameProblem | undefined {
  if (/^[A-Za-z0-9_-]{1,255}$/.test(name)) return undefined;
  return {
    code: 'mediastore.container-name',
    problem: 'a MediaStore container name is 1 to 255 letters, digits, `_` and `-`',
  };
}

const SSM_NAME_MAX = 2048;
const SSM_LEVELS_MAX = 15;

/** SSM Parameter Store names (SSM sysman-parameter-name-constraints). */
export function ssmParameterNameProblem(name: string): NameProblem | undefined {
  const code = 'ssm.parameter-name';
  if (name.length === 0 || name.length > SSM_NAME_MAX) {
    return { code, problem: `a parameter name has 1 to ${SSM_NAME_MAX} characters` };
  }
  if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) {
    return { code, problem: 'a parameter name holds only letters, digits and `_`, `.`, `-`, `/`' };
  }
  if (/^\/?(aws|ssm)/i.test(name)) {
    return {
      code,
      problem:
        'a parameter name must not start with `aws` or `ssm` (in any case), with or without a leading `/`',
    };
  }
  if (name.includes('/') && !name.startsWith('/')) {
    return { code, problem: 'a hierarchical parameter name must start with `/`' };
  }
  const levels = name.split('/').filter((part) => part !== '').length;
  if (levels > SSM_LEVELS_MAX) {
    return { code, problem: `a parameter name has at most ${SSM_LEVELS_MAX} levels; this one has ${levels}` };
  }
  return undefined;
}

/** The name of an environment variable that a shell can set. */
export function envVarNameProblem(name: string): NameProblem | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  return {
    code: 'secret.env-name',
    problem:
      'an environment variable name is letters, digits and `_`, not starting with a digit (e.g. `SOCIAL_STREAM_KEY`)',
  };
}

const PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}';
const ACCOUNT = '[0-9]{12}';

/** An AWS Region code: `us-west-2`, `cn-north-1`, `us-gov-west-1`, `eusc-de-east-1`. */
/**
 * The Regions AWS lists, every partition's (the SDK's endpoint data: @aws-sdk/util-endpoints 3.995.0,
 * lib/aws/partitions.json). A Region opened later is still taken, with a warning.
 */
export const KNOWN_REGIONS: readonly string[] = [
  ...['af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
  ...['ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4'],
  ...['ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1'],
  ...['eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
  ...['il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2'],
  ...['us-west-1', 'us-west-2', 'cn-north-1', 'cn-northwest-1', 'eusc-de-east-1', 'us-iso-east-1'],
  ...['us-iso-west-1', 'us-isob-east-1', 'us-isob-west-1', 'eu-isoe-west-1', 'us-isof-east-1'],
  ...['us-isof-south-1', 'us-gov-east-1', 'us-gov-west-1'],
];

/** A Region code of the right form that AWS does not list: a typo, most likely (`us-weast-2`). */
export function unknownRegion(region: string): NameProblem | undefined {
  if (KNOWN_REGIONS.includes(region)) return undefined;
  // `us-weast-2` is one edit from us-east-2 and from us-west-2: both are named.
  const near = closest(region, KNOWN_REGIONS);
  const distance = near === undefined ? undefined : editDistance(region, near);
  const guess = KNOWN_REGIONS.filter((known) => editDistance(region, known) === distance)
    .map((known) => `\`${known}\``)
    .join(' or ');
  return {
    code: 'region.unknown',
    problem: `it is not one of the Regions AWS lists${guess ? ` (did you mean ${guess}?)` : ''}; if it is a Region that opened after this mlds was released, ignore this warning`,
  };
}

export function regionProblem(region: string): NameProblem | undefined {
  if (new RegExp(`^${REGION}$`).test(region)) return undefined;
  return {
    code: 'region.format',
    problem: 'a Region code looks like `us-west-2`, `eu-central-1` or `us-gov-west-1`',
  };
}

/** An IAM role ARN: `arn:aws:iam::111122223333:role/path/Name`. */
export function iamRoleArnProblem(arn: string): NameProblem | undefined {
  const pattern = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`);
  if (pattern.test(arn)) return undefined;
  return {
    code: 'iam.role-arn',
    problem: 'an IAM role ARN looks like `arn:aws:iam::111122223333:role/MediaLiveAccessRole`',
  };
}

/** A Secrets Manager secret ARN: `arn:aws:secretsmanager:us-west-2:111122223333:secret:name-AbCdEf`. */
export function secretsManagerArnProblem(arn: string): NameProblem | undefined {
  const pattern = new RegExp(
    `^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:[A-Za-z0-9/_+=.@-]+$`,
  );
  if (pattern.test(arn)) return undefined;
  return {
    code: 'srt.passphrase-arn',
    problem:
      'it must be the ARN of an AWS Secrets Manager secret, like `arn:aws:secretsmanager:us-west-2:111122223333:secret:srt-passphrase-AbCdEf` (SRT reads its passphrase from Secrets Manager, not SSM)',
  };
}
