import { type GroupTypes, groupTypeOf, mediaPackageRegion, PlanInputError, pipelinesOf } from './decide.js';
import {
  bucketName,
  defaultPath,
  mediaPackageChannelId,
  mediaPackageV2ChannelGroupName,
  mediaPackageV2ChannelName,
  mediaStoreContainerName,
  passwordParameterName,
  resourceAddress,
  resourceTags,
} from './names.js';
import type { Downstream, ResourceSpec, Workflow } from './types.js';

/** The resources the workflow needs, in dependency order: file order, a channel before its parameters, pipeline 0 first. */
export function desiredResources(workflow: Workflow, groupTypes: GroupTypes): ResourceSpec[] {
  return workflow.downstream.flatMap((downstream) => resourcesFor(workflow, downstream, groupTypes));
}

/** The channel group a v2 entry's channel goes in: the one `channelGroup` names, or the workflow's. */
export function mediaPackageV2GroupOf(workflow: Workflow, downstream: Downstream): string {
  return downstream.channelGroup ?? mediaPackageV2ChannelGroupName(workflow.workflow);
}

export function mediaPackageV2ChannelOf(workflow: Workflow, downstream: Downstream): string {
  return downstream.channelName ?? mediaPackageV2ChannelName(workflow.workflow, downstream.name);
}

/**
 * The address of the channel group a v2 entry's channel depends on. Entries sharing a group (same name and
 * Region) share one resource, owned by the first of them in file order, so it is created, read and deleted once.
 */
export function mediaPackageV2GroupAddress(workflow: Workflow, downstream: Downstream): string {
  const group = mediaPackageV2GroupOf(workflow, downstream);
  const region = mediaPackageRegion(workflow, downstream);
  const first = workflow.downstream.find(
    (entry) =>
      entry.resolvedSystem === 'mediapackage-v2' &&
      mediaPackageV2GroupOf(workflow, entry) === group &&
      mediaPackageRegion(workflow, entry) === region,
  );
  return resourceAddress((first ?? downstream).name, 'channel-group', null);
}

/** The folders and base file name MediaLive writes under, in a bucket or container. */
export function destinationPath(workflow: Workflow, downstream: Downstream): string {
  return downstream.path ?? defaultPath(workflow.workflow, downstream.name);
}

/** A value validation guarantees; its absence means the workflow was planned without being validated. */
export function required(value: string | undefined, path: string): string {
  if (value === undefined) throw new PlanInputError(`${path} is missing: validate the workflow first`, path);
  return value;
}

function roleArnProperty(workflow: Workflow): Record<string, unknown> {
  return workflow.mediaLiveRoleArn === undefined ? {} : { mediaLiveRoleArn: workflow.mediaLiveRoleArn };
}

type OwnedSpec = Omit<ResourceSpec, 'downstream' | 'tags' | 'region'> & { region?: string };

function mediaPackageResources(
  workflow: Workflow,
  downstream: Downstream,
  groupTypes: GroupTypes,
  owned: (spec: OwnedSpec) => ResourceSpec,
): ResourceSpec[] {
  const channelAddress = resourceAddress(downstream.name, 'channel', null);
  const region = mediaPackageRegion(workflow, downstream);
  const ownedChannel = (): ResourceSpec =>
    owned({
      address: channelAddress,
      kind: 'mediapackage-channel',
      name: mediaPackageChannelId(workflow.workflow, downstream.name),
      region,
      pipeline: null,
      properties: {},
      dependsOn: [],
    });

  const channel: ResourceSpec =
    downstream.channelId === undefined
      ? ownedChannel()
      : {
          address: channelAddress,
          kind: 'mediapackage-channel',
          name: downstream.channelId,
          region,
          pipeline: null,
          downstream: downstream.name,
          existing: true,
          properties: {},
          dependsOn: [],
        };
  // MediaLive finds the channel by its ID and needs no credentials: an existing one is only read, so that a
  // mistyped ID stops apply rather than the channel on air.
  if (groupTypeOf(groupTypes, downstream) === 'MEDIAPACKAGE') return [channel];
  // MediaLive reads PasswordParam in its own Region, whatever the MediaPackage channel's Region.
  const passwords = pipelinesOf(workflow).map((pipeline) =>
    owned({
      address: resourceAddress(downstream.name, 'password', pipeline),
      kind: 'ssm-parameter',
      name: passwordParameterName(workflow.workflow, downstream.name, pipeline),
      pipeline,
      properties: { source: { ingestEndpointOf: channelAddress, endpointIndex: pipeline } },
      dependsOn: [channelAddress],
    }),
  );
  return [channel, ...passwords];
}

function mediaPackageV2Resources(
  workflow: Workflow,
  downstream: Downstream,
  owned: (spec: OwnedSpec) => ResourceSpec,
): ResourceSpec[] {
  const region = mediaPackageRegion(workflow, downstream);
  const groupName = mediaPackageV2GroupOf(workflow, downstream);
  const groupAddress = mediaPackageV2GroupAddress(workflow, downstream);
  const resources: ResourceSpec[] = [];
  if (groupAddress === resourceAddress(downstream.name, 'channel-group', null)) {
    resources.push(
      downstream.channelGroup === undefined
        ? owned({
            address: groupAddress,
            kind: 'mediapackagev2-channel-group',
            name: groupName,
            region,
            pipeline: null,
            properties: {},
            dependsOn: [],
          })
        : {
            // Named in the file: mlds only reads it, never creates, tags or deletes it.
            address: groupAddress,
            kind: 'mediapackagev2-channel-group',
            name: groupName,
            region,
            pipeline: null,
            downstream: downstream.name,
            existing: true,
            properties: {},
            dependsOn: [],
          },
    );
  }
  resources.push(
    owned({
      address: resourceAddress(downstream.name, 'channel', null),
      kind: 'mediapackagev2-channel',
      name: mediaPackageV2ChannelOf(workflow, downstream),
      region,
      pipeline: null,
      // InputType from the format (MP channels-create: HLS or CMAF, immutable); the channel policy names the role.
      properties: {
        channelGroup: groupName,
        inputType: downstream.format === 'hls' ? 'HLS' : 'CMAF',
        ...roleArnProperty(workflow),
      },
      dependsOn: [groupAddress],
    }),
  );
  return resources;
}

function resourcesFor(workflow: Workflow, downstream: Downstream, groupTypes: GroupTypes): ResourceSpec[] {
  const owned = (spec: OwnedSpec): ResourceSpec => ({
    address: spec.address,
    kind: spec.kind,
    name: spec.name,
    region: spec.region ?? workflow.region,
    pipeline: spec.pipeline,
    downstream: downstream.name,
    tags: resourceTags(workflow.workflow, downstream.name, workflow.tags),
    properties: spec.properties,
    dependsOn: spec.dependsOn,
  });
  const pipelines = pipelinesOf(workflow);

  switch (downstream.resolvedSystem) {
    case 'mediapackage':
      return mediaPackageResources(workflow, downstream, groupTypes, owned);
    case 'mediapackage-v2':
      return mediaPackageV2Resources(workflow, downstream, owned);
    case 's3': {
      const existing = downstream.buckets;
      if (existing !== undefined) {
        // Named in the file: mlds only reads each (a name mistyped there would fail only on air, when MediaLive
        // writes to it), never creates, tags or deletes one.
        return pipelines.map(
          (pipeline): ResourceSpec => ({
            address: resourceAddress(downstream.name, 'bucket', pipeline),
            kind: 's3-bucket',
            name: required(
              existing[pipeline],
              `downstream[${workflow.downstream.indexOf(downstream)}].buckets[${pipeline}]`,
            ),
            region: workflow.region,
            pipeline,
            downstream: downstream.name,
            existing: true,
            properties: {},
            dependsOn: [],
          }),
        );
      }
      return pipelines.map((pipeline) =>
        owned({
          address: resourceAddress(downstream.name, 'bucket', pipeline),
          kind: 's3-bucket',
          name: bucketName(workflow.workflow, downstream.name, pipeline),
          pipeline,
          properties: roleArnProperty(workflow),
          dependsOn: [],
        }),
      );
    }
    case 'mediastore':
      return pipelines.map((pipeline) =>
        owned({
          address: resourceAddress(downstream.name, 'container', pipeline),
          kind: 'mediastore-container',
          name: mediaStoreContainerName(workflow.workflow, downstream.name, pipeline),
          pipeline,
          // The path is recorded so the destination URL can be built from the container endpoint after apply.
          properties: { ...roleArnProperty(workflow), path: destinationPath(workflow, downstream) },
          dependsOn: [],
        }),
      );
    case 'http-put':
    case 'webdav':
    case 'akamai':
    case 'mss':
    case 'rtmp': {
      const password = downstream.password;
      if (password === undefined || !('env' in password)) return [];
      return [
        owned({
          address: resourceAddress(downstream.name, 'password', null),
          kind: 'ssm-parameter',
          name: passwordParameterName(workflow.workflow, downstream.name, null),
          pipeline: null,
          properties: { source: { env: password.env } },
          dependsOn: [],
        }),
      ];
    }
    case 'udp':
    case 'srt':
      return [];
  }
}
