import { defaultPath } from '../../names.js';
import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, type Rule, warning } from '../rule.js';

// STANDARD channels have two pipelines, SINGLE_PIPELINE one: every destination needs exactly one location per
// pipeline (ML: "Settings[] has one entry per pipeline"), and the two of one destination must differ.

const LISTS = ['urls', 'buckets'] as const;

export const pipelineCountRule: Rule = {
  reads: ['channelClass'],
  entryReads: ['urls', 'buckets'],
  check({ entries, pipelines, input }) {
    const findings: Finding[] = [];
    const channel =
      input.channelClass === 'SINGLE_PIPELINE'
        ? 'a SINGLE_PIPELINE channel has 1 pipeline'
        : 'a STANDARD channel has 2 pipelines';
    for (const checked of entries) {
      for (const field of LISTS) {
        const list = checked.entry[field];
        if (list === undefined) continue;
        const what = field === 'urls' ? 'URL' : 'bucket';
        const path = entryPath(checked, field);
        if (list.length !== pipelines) {
          const other =
            pipelines === 2 ? 'set `channelClass: SINGLE_PIPELINE`' : 'set `channelClass: STANDARD`';
          findings.push(
            error(
              'pipelines.count',
              path,
              `\`${formatPath(path)}\` has ${list.length} ${list.length === 1 ? 'entry' : 'entries'} but ${channel}: give one ${what} per pipeline, or ${other}.`,
            ),
          );
          continue;
        }
        if (list.length === 2 && list[0]?.trim() === list[1]?.trim()) {
          findings.push(
            error(
              'pipelines.distinct',
              [...path, 1],
              `\`${formatPath([...path, 1])}\` is the same as pipeline 0's; MediaLive needs the two pipeline ${what}s of one destination to differ: give pipeline 1 its own ${field === 'urls' ? 'URL (another host, folder or file name)' : 'bucket'}.`,
            ),
          );
        }
      }
    }
    return findings;
  },
};

/** Two destinations writing to one place overwrite each other's files. */
export const sharedLocationRule: Rule = {
  reads: ['workflow'],
  entryReads: ['urls', 'buckets', 'path', 'name'],
  check({ entries, input }) {
    const findings: Finding[] = [];
    const owners = new Map<string, CheckedEntry>();
    for (const checked of entries) {
      for (const [index, location] of locations(checked, input.workflow)) {
        const owner = owners.get(location);
        if (owner === undefined) {
          owners.set(location, checked);
          continue;
        }
        if (owner === checked) continue;
        const field = checked.entry.urls === undefined ? 'buckets' : 'urls';
        const path = entryPath(checked, field, index);
        findings.push(
          warning(
            'pipelines.shared-location',
            path,
            `\`${formatPath(path)}\` writes to the same place as \`downstream[${owner.index}]\`; the two outputs would overwrite each other: give this destination its own ${field === 'urls' ? 'URL' : 'bucket or `path`'}.`,
          ),
        );
      }
    }
    return findings;
  },
};

function locations(checked: CheckedEntry, workflow: string): [number, string][] {
  const { urls, buckets, path, name } = checked.entry;
  if (urls !== undefined) return urls.map((url, index) => [index, url.trim()]);
  if (buckets !== undefined) {
    const folder = path ?? defaultPath(workflow, name);
    return buckets.map((bucket, index) => [index, `s3ssl://${bucket}/${folder}`]);
  }
  return [];
}
