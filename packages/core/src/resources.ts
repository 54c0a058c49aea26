import { mediaPackageRegion, outputGroupType, pipelinesOf } from './decide.js';
import {
  bucketName,
  defaultPath,
  mediaPackageChannelId,
  mediaStoreContainerName,
  passwordParameterName,
  resourceAddress,
  resourceTags,
} from './names.js';
import type { Downstream, ResourceSpec, Workflow } from './types.js';

/** The resources the workflow needs, in dependency order: file order, a channel before its parameters, pipeline 0 first. */
export function desiredResources(workflow: Workflow): ResourceSpec[] {
  return workflow.downstream.flatMap((downstream) => resourcesFor(workflow, downstream));
}

/** The folders and base file name MediaLive writes under, in a bucket or container. */
export function destinationPath(workflow: Workflow, downstream: Downstream): string {
  return downstream.path ?? defaultPath(workflow.workflow, downstream.name);
}

function roleArnProperty(workflow: Workflow): Record<string, unknown> {
  return workflow.mediaLiveRoleArn === undefined ? {} : { mediaLiveRoleArn: workflow.mediaLiveRoleArn };
}

type OwnedSpec = Omit<ResourceSpec, 'downstream' | 'tags' | 'region'> & { region?: string };

function mediaPackageResources(
  workflow: Workflow,
  downstream: Downstream,
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

  if (outputGroupType(workflow, downstream) === 'MEDIAPACKAGE') {
    // MediaLive finds the channel by its ID and needs no credentials: an existing channel is not ours to track.
    return downstream.channelId === undefined ? [ownedChannel()] : [];
  }
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

function resourcesFor(workflow: Workflow, downstream: Downstream): ResourceSpec[] {
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
      return mediaPackageResources(workflow, downstream, owned);
    case 's3':
      if (downstream.buckets !== undefined) return [];
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
