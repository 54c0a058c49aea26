import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, info, type Rule, warning } from '../rule.js';

// ML delivery-out-vpc and the MediaStore discontinuation (MS: support ended 2025-11-13).

export const vpcDeliveryRule: Rule = {
  reads: ['channelClass', 'delivery'],
  entryReads: ['format', 'outputGroup'],
  check({ entries, input }) {
    if (input.delivery !== 'vpc') return [];
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.system === 'mediapackage-v2') {
        findings.push(...vpcMediaPackageV2(checked));
        continue;
      }
      if (checked.system !== 'mediapackage' && checked.system !== 'mediastore') continue;
      const path = entryPath(checked, 'system');
      const what =
        checked.system === 'mediapackage'
          ? 'HLS to MediaPackage and the MediaPackage output group cannot be delivered via your VPC'
          : 'HLS to MediaStore cannot be delivered via your VPC';
      findings.push(
        error(
          'vpc.unsupported-destination',
          path,
          `\`${formatPath(path)}\`: ${what}: use \`delivery: public\`, or send this output to S3 or a server in your VPC.`,
        ),
      );
    }
    const subnets =
      input.channelClass === 'SINGLE_PIPELINE'
        ? ''
        : 'a STANDARD channel needs two subnets in different Availability Zones; ';
    findings.push(
      info(
        'vpc.requirements',
        ['delivery'],
        `Delivery via your VPC: ${subnets}outputs that leave the VPC need Elastic IP addresses; and the delivery mode cannot be changed on an existing channel (create a new channel to switch).`,
      ),
    );
    return findings;
  },
};

/**
 * ML delivery-out-vpc names HLS to MediaPackage and the MediaPackage output group as unable to go through the
 * VPC; it does not name CMAF Ingest, whose ingest endpoints are public HTTPS: through the VPC it leaves the VPC,
 * which needs Elastic IP addresses.
 */
function vpcMediaPackageV2(checked: CheckedEntry): Finding[] {
  const path = entryPath(checked, 'system');
  const format = checked.entry.format ?? 'cmaf';
  if (format === 'cmaf' && checked.entry.outputGroup === 'cmaf-ingest') {
    return [
      warning(
        'vpc.mediapackage-v2-cmaf-ingest',
        path,
        `\`${formatPath(path)}\`: CMAF Ingest to MediaPackage v2 leaves your VPC for MediaPackage's public ingest endpoints, so the channel needs Elastic IP addresses for it (the guide's VPC delivery page does not list CMAF Ingest).`,
      ),
    ];
  }
  const what =
    format === 'hls'
      ? 'HLS to MediaPackage cannot be delivered via your VPC'
      : 'the MediaPackage output group cannot be delivered via your VPC';
  return [
    error(
      'vpc.unsupported-destination',
      path,
      `\`${formatPath(path)}\`: ${what}: use \`delivery: public\`, or \`outputGroup: cmaf-ingest\` (CMAF Ingest, through Elastic IPs).`,
    ),
  ];
}

export const mediaStoreDiscontinuedRule: Rule = {
  reads: [],
  entryReads: [],
  check({ entries }) {
    return entries
      .filter((checked) => checked.system === 'mediastore')
      .map((checked) => {
        const path = entryPath(checked, 'system');
        return warning(
          'mediastore.discontinued',
          path,
          `\`${formatPath(path)}\`: AWS ended support for AWS Elemental MediaStore on 2025-11-13 (its console and resources can no longer be reached); AWS advises S3 for simple workflows and MediaPackage for advanced ones: use \`system: s3\` (or \`mediapackage\`).`,
        );
      });
  },
};
