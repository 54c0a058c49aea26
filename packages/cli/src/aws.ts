import type { AwsClients } from '@mlds/provisioner';

// Only types come from the provisioner here: this module is imported by `main` and `command`, which must not
// load the AWS SDK. The commands that call AWS import the provisioner's values themselves, inside `run`.

/**
 * Builds the AWS clients of one apply or destroy. The default is the provisioner's `createAwsClients`: the
 * AWS SDK's standard configuration (credential chain, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL[_<SERVICE>]),
 * with only the Region of each resource and `--profile` set. Tests pass the fake cloud's clients instead.
 */
export type AwsClientsFactory = (options: { profile: string | undefined }) => AwsClients;

/** What apply and destroy take from their surroundings besides the streams; every member has a default. */
export interface RunEnvironment {
  awsClients?: AwsClientsFactory;
  /** Milliseconds since the epoch: elapsed times, the state's timestamps, the lock's age. Default Date.now. */
  clock?: () => number;
  /** Waits between retries and polls of AWS. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Calls `tick` every `ms` until the returned function is called: redraws live progress. Default: a timer. */
  every?: (ms: number, tick: () => void) => () => void;
  /**
   * Without `awsClients`: the clients this invocation built, one set per profile (`''`: none), which every state
   * store and run of the invocation shares, so that the credentials are resolved once per Region (a fleet on
   * team state opens a store per workflow). `main` gives each invocation its own; without it, each builds its own.
   */
  builtAwsClients?: Map<string, AwsClients>;
}
