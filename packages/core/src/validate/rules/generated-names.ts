import {
  bucketName,
  mediaPackageChannelId,
  mediaPackageV2ChannelGroupName,
  mediaPackageV2ChannelName,
  mediaStoreContainerName,
  passwordParameterName,
} from '../../names.js';
import type { Pipeline } from '../../types.js';
import {
  mediaPackageChannelIdProblem,
  mediaPackageV2NameProblem,
  mediaStoreContainerNameProblem,
  type NameProblem,
  s3BucketNameProblem,
  ssmParameterNameProblem,
} from '../aws-names.js';
import type { Path } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, type Rule } from '../rule.js';

// The names mlds derives (names.ts) must pass the same rules as names written in the file: a workflow called
// `xn--live` would otherwise plan buckets that S3 refuses only at apply time.

interface Derived {
  kind: string;
  name: string;
  problem: NameProblem;
  checked: CheckedEntry;
  instead: string;
}

export const generatedNamesRule: Rule = {
  reads: ['workflow', 'channelClass'],
  entryReads: ['name', 'buckets', 'channelId', 'password', 'channelGroup', 'channelName'],
  check({ entries, input, pipelines }) {
    const derived: Derived[] = [];
    const workflow = input.workflow;
    const each = (pipeline: number) => pipeline as Pipeline;
    for (const checked of entries) {
      const { name, buckets, channelId, password, channelGroup, channelName } = checked.entry;
      const add = (
        kind: string,
        names: string[],
        rule: (n: string) => NameProblem | undefined,
        instead: string,
      ) => {
        for (const derivedName of names) {
          const problem = rule(derivedName);
          if (problem !== undefined) derived.push({ kind, name: derivedName, problem, checked, instead });
        }
      };
      const perPipeline = Array.from({ length: pipelines }, (_, i) => each(i));
      if (checked.system === 's3' && buckets === undefined) {
        add(
          'S3 bucket',
          perPipeline.map((p) => bucketName(workflow, name, p)),
          s3BucketNameProblem,
          'give existing buckets in `buckets`',
        );
      }
      if (checked.system === 'mediastore') {
        add(
          'MediaStore container',
          perPipeline.map((p) => mediaStoreContainerName(workflow, name, p)),
          mediaStoreContainerNameProblem,
          'rename it',
        );
      }
      if (checked.system === 'mediapackage') {
        if (channelId === undefined) {
          add(
            'MediaPackage channel',
            [mediaPackageChannelId(workflow, name)],
            mediaPackageChannelIdProblem,
            'give an existing `channelId`',
          );
        }
        add(
          'SSM parameter',
          perPipeline.map((p) => passwordParameterName(workflow, name, p)),
          ssmParameterNameProblem,
          'rename it',
        );
      }
      if (checked.system === 'mediapackage-v2') {
        // Always valid today (workflow and entry names are a subset), checked so a change to either rule shows.
        if (channelGroup === undefined) {
          add(
            'MediaPackage v2 channel group',
            [mediaPackageV2ChannelGroupName(workflow)],
            mediaPackageV2NameProblem,
            'give an existing `channelGroup`',
          );
        }
        if (channelName === undefined) {
          add(
            'MediaPackage v2 channel',
            [mediaPackageV2ChannelName(workflow, name)],
            mediaPackageV2NameProblem,
            'give a `channelName`',
          );
        }
      }
      if (password !== undefined && 'env' in password) {
        add(
          'SSM parameter',
          [passwordParameterName(workflow, name, null)],
          ssmParameterNameProblem,
          'rename it',
        );
      }
    }
    return group(derived, workflow);
  },
};

/** One finding per problem: a bad workflow-name prefix is reported once, on `workflow`. */
function group(derived: Derived[], workflow: string): Finding[] {
  const findings = new Map<string, { path: Path; code: string; items: Derived[] }>();
  for (const item of derived) {
    const fromWorkflow = item.problem.code === 's3.bucket-name.reserved-prefix';
    const path = fromWorkflow ? ['workflow'] : entryPath(item.checked, 'name');
    const key = `${path.join('.')}\u0000${item.problem.code}`;
    const group = findings.get(key) ?? { path, code: item.problem.code, items: [] };
    group.items.push(item);
    findings.set(key, group);
  }
  return [...findings.values()].map(({ path, code, items }) => {
    const first = items[0] as Derived;
    const names = items.map((item) => `\`${item.name}\``).join(', ');
    if (path[0] === 'workflow') {
      return error(
        code,
        path,
        `Workflow \`${workflow}\` gives the ${first.kind}s mlds would create invalid names (${names}): ${first.problem.problem}. Rename the workflow, or ${first.instead}.`,
      );
    }
    return error(
      code,
      path,
      `The ${first.kind} name${items.length > 1 ? 's' : ''} mlds would create for \`downstream[${first.checked.index}]\` (${names}) ${items.length > 1 ? 'are' : 'is'} not valid: ${first.problem.problem}. Rename the workflow or the entry, or ${first.instead}.`,
    );
  });
}
