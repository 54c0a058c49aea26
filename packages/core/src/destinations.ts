import { type GroupTypes, groupTypeOf, mediaPackageRegion, pipelinesOf } from './decide.js';
import { bucketName, mediaPackageChannelId, passwordParameterName } from './names.js';
import { destinationPath, mediaPackageV2ChannelOf, mediaPackageV2GroupOf, required } from './resources.js';
import {
  type Downstream,
  KNOWN_AFTER_APPLY,
  type OutputDestination,
  type OutputDestinationSettings,
  type OutputGroupType,
  type Pipeline,
  SENSITIVE,
  type Workflow,
} from './types.js';

/** MediaLive's `Destinations`, exactly as CreateChannel takes them: one per downstream entry, in file order. */
export function planDestinations(workflow: Workflow, groupTypes: GroupTypes): OutputDestination[] {
  return workflow.downstream.map((downstream, index) =>
    destinationFor(workflow, downstream, groupTypeOf(groupTypes, downstream), `downstream[${index}]`),
  );
}

function destinationFor(
  workflow: Workflow,
  downstream: Downstream,
  groupType: OutputGroupType,
  path: string,
): OutputDestination {
  const Id = downstream.name;
  const pipelines = pipelinesOf(workflow);
  const settings = (perPipeline: (pipeline: Pipeline) => OutputDestinationSettings): OutputDestination => ({
    Id,
    Settings: pipelines.map(perPipeline),
  });

  switch (downstream.resolvedSystem) {
    case 'mediapackage':
      if (groupType === 'MEDIAPACKAGE') {
        // One entry for both pipelines: MediaLive sends pipeline 0 and 1 to the channel's two ingest endpoints.
        const ChannelId = downstream.channelId ?? mediaPackageChannelId(workflow.workflow, downstream.name);
        return { Id, MediaPackageSettings: [{ ChannelId }] };
      }
      return settings((pipeline) => ({
        Url: KNOWN_AFTER_APPLY,
        Username: KNOWN_AFTER_APPLY,
        PasswordParam: passwordParameterName(workflow.workflow, downstream.name, pipeline),
      }));
    case 'mediapackage-v2': {
      if (groupType === 'MEDIAPACKAGE') {
        // One entry for both pipelines, as for v1; the Region only when it is not MediaLive's own.
        const region = mediaPackageRegion(workflow, downstream);
        return {
          Id,
          MediaPackageSettings: [
            {
              ChannelGroup: mediaPackageV2GroupOf(workflow, downstream),
              ChannelName: mediaPackageV2ChannelOf(workflow, downstream),
              ...(region === workflow.region ? {} : { MediaPackageRegionName: region }),
            },
          ],
        };
      }
      // HLS and CMAF Ingest: the channel's ingest URLs, which only GetChannel knows (AWS's pages disagree on
      // their shape, so they are never built by hand); no credentials, the channel policy authorizes MediaLive.
      return settings(() => ({ Url: KNOWN_AFTER_APPLY }));
    }
    case 's3': {
      const target = destinationPath(workflow, downstream);
      return settings((pipeline) => {
        const bucket = downstream.buckets
          ? required(downstream.buckets[pipeline], `${path}.buckets[${pipeline}]`)
          : bucketName(workflow.workflow, downstream.name, pipeline);
        return { Url: `s3ssl://${bucket}/${target}` };
      });
    }
    case 'mediastore':
      // The container's data endpoint exists only once the container does.
      return settings(() => ({ Url: KNOWN_AFTER_APPLY }));
    case 'http-put':
    case 'webdav':
    case 'akamai':
    case 'mss':
      return settings((pipeline) => ({
        Url: urlOf(downstream, pipeline, path),
        ...credentials(workflow, downstream),
      }));
    case 'rtmp':
      return settings((pipeline) => ({
        Url: urlOf(downstream, pipeline, path),
        ...credentials(workflow, downstream),
        ...(downstream.streamKey === undefined ? {} : { StreamName: SENSITIVE }),
      }));
    case 'udp':
      return settings((pipeline) => ({ Url: urlOf(downstream, pipeline, path) }));
    case 'srt':
      return {
        Id,
        SrtSettings: pipelines.map((pipeline) => ({
          Url: urlOf(downstream, pipeline, path),
          ...(downstream.streamId === undefined ? {} : { StreamId: downstream.streamId }),
          ...(downstream.passphraseSecretArn === undefined
            ? {}
            : { EncryptionPassphraseSecretArn: downstream.passphraseSecretArn }),
        })),
      };
  }
}

function credentials(
  workflow: Workflow,
  downstream: Downstream,
): Pick<OutputDestinationSettings, 'Username' | 'PasswordParam'> {
  const password = downstream.password;
  return {
    ...(downstream.username === undefined ? {} : { Username: downstream.username }),
    ...(password === undefined
      ? {}
      : {
          PasswordParam:
            'ssmParameter' in password
              ? password.ssmParameter
              : passwordParameterName(workflow.workflow, downstream.name, null),
        }),
  };
}

function urlOf(downstream: Downstream, pipeline: Pipeline, path: string): string {
  return required(downstream.urls?.[pipeline], `${path}.urls[${pipeline}]`);
}
