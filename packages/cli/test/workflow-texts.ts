// Pieces of workflow YAML that several command tests build their workflows from.

/**
 * The `downstream:` entry of an HTTP PUT server `cdn` (user mlds, two ingest URLs on `<prefix>a.example-cdn.com`
 * and `<prefix>b.example-cdn.com`) whose password comes from the environment variable CDN_PASSWORD, as lines.
 */
export function cdnDownstream(hostPrefix = 'ingest-'): string[] {
  return [
    '  - name: cdn',
    '    system: http-put',
    `    urls: [https://${hostPrefix}a.example-cdn.com/live/index, https://${hostPrefix}b.example-cdn.com/live/index]`,
    '    username: mlds',
    '    password: { env: CDN_PASSWORD }',
  ];
}

/** The `downstream:` entry of an S3 archive `archive` (an Archive output group), as lines. */
export function archiveDownstream(): string[] {
  return ['  - name: archive', '    system: s3', '    format: archive'];
}

/** A workflow `name` whose one downstream is the S3 archive, with the MediaLive role when given. */
export function archiveWorkflow(name: string, region: string, mediaLiveRoleArn?: string): string {
  return [
    `workflow: ${name}`,
    `region: ${region}`,
    ...(mediaLiveRoleArn ? [`mediaLiveRoleArn: ${mediaLiveRoleArn}`] : []),
    'downstream:',
    ...archiveDownstream(),
    '',
  ].join('\n');
}

/** The seed example's workflow text with its MediaPackage downstream fed by an HLS output group. */
export function withHlsGroup(seedText: string): string {
  return seedText.replace(
    '    system: mediapackage\n    format: hls',
    '    system: mediapackage\n    format: hls\n    outputGroup: hls',
  );
}

/** curling-live with one HLS output group to a MediaPackage channel mlds makes (ingest passwords in SSM). */
export function hlsToMediaPackageWorkflow(options: { boundChannel?: string } = {}): string {
  return [
    'workflow: curling-live',
    'region: us-west-2',
    ...(options.boundChannel === undefined ? [] : ['channel:', `  id: "${options.boundChannel}"`]),
    'downstream:',
    '  - name: packager',
    '    system: mediapackage',
    '    outputGroup: hls',
    '',
  ].join('\n');
}
