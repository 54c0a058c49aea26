import { GetParameterCommand, type GetParameterCommandOutput, ParameterNotFound } from '@aws-sdk/client-ssm';
import { ChannelRefusedError, InvalidPlanError, MissingEnvironmentError } from '../errors.js';
import type { Runtime, Target } from '../runtime.js';

// The stream keys of the channel's destinations, from an environment variable or an SSM parameter: read into
// memory only, for apply to write and refresh to compare.

type StreamKeyRef = { env: string } | { ssmParameter: string };

function streamKeyRefs(target: Target): Record<string, StreamKeyRef> {
  const refs = target.properties.streamKeys;
  if (refs === null || typeof refs !== 'object') return {};
  const result: Record<string, StreamKeyRef> = {};
  for (const [id, ref] of Object.entries(refs as Record<string, unknown>)) {
    if (ref !== null && typeof ref === 'object') {
      if ('env' in ref && typeof ref.env === 'string') result[id] = { env: ref.env };
      else if ('ssmParameter' in ref && typeof ref.ssmParameter === 'string')
        result[id] = { ssmParameter: ref.ssmParameter };
    }
  }
  return result;
}

/** Reads the stream keys into memory (the vault redacts them everywhere); `{ ssmParameter }` is decrypted. */
export async function readStreamKeys(rt: Runtime, target: Target): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const [id, ref] of Object.entries(streamKeyRefs(target))) {
    let value: string | undefined;
    if ('env' in ref) {
      value = rt.env[ref.env];
      if (!value)
        throw new MissingEnvironmentError([
          { variable: ref.env, address: `${id}.streamKey`, sentTo: 'medialive-channel' },
        ]);
    } else {
      let output: GetParameterCommandOutput;
      try {
        const ssm = await rt.clients.ssm(target.region);
        output = await rt.call(target.address, () =>
          ssm.send(new GetParameterCommand({ Name: ref.ssmParameter, WithDecryption: true })),
        );
      } catch (error) {
        if (!(error instanceof ParameterNotFound)) throw error;
        throw new ChannelRefusedError(
          'apply',
          target.name,
          [
            `the stream key of destination ${id} is read from SSM parameter ${ref.ssmParameter}, which does not exist in ${target.region}`,
          ],
          'Create the parameter (a SecureString holding the key), or fix streamKey.ssmParameter in the workflow.',
          { cause: error },
        );
      }
      value = output.Parameter?.Value;
      if (!value) throw new InvalidPlanError(`${target.address}: SSM parameter ${ref.ssmParameter} is empty`);
    }
    rt.secrets.remember(value);
    keys.set(id, value);
  }
  return keys;
}

/**
 * The stream keys refresh compares with the channel's, in memory: an `{ env }` one when the variable is set, an
 * `{ ssmParameter }` one decrypted (a read). One it cannot get is not compared: refresh is no place to fail on it.
 */
export async function streamKeysToCompare(rt: Runtime, target: Target): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  await Promise.all(
    Object.entries(streamKeyRefs(target)).map(async ([id, ref]) => {
      let value: string | undefined;
      if ('env' in ref) {
        value = rt.env[ref.env];
      } else {
        try {
          const ssm = await rt.clients.ssm(target.region);
          const output = await rt.call(target.address, () =>
            ssm.send(new GetParameterCommand({ Name: ref.ssmParameter, WithDecryption: true })),
          );
          value = output.Parameter?.Value;
        } catch (error) {
          if (!(error instanceof ParameterNotFound)) throw error;
        }
      }
      if (value) keys.set(id, value);
    }),
  );
  return keys;
}
