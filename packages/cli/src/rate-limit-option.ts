import { parseRateLimits, RateLimitSyntaxError, type RateOverrides } from '@mlds/core';
import type { OptionSpec, ParsedArguments } from './commands/command.js';
import { UsageError } from './errors.js';

// `--rate-limit <service>=<tps>[,…]` (contract section 7), taken by the commands that call AWS on a plan.

// The services are spelled out rather than read from core's RATE_LIMITED_SERVICES: the option is built when the
// command module loads, and reading a core value then would run core for `apply --help` (a test keeps the two
// lists equal).
export const RATE_LIMIT_OPTION = {
  'rate-limit': {
    type: 'string',
    valueName: '<service>=<tps>,…',
    example: 's3=100,ssm=10',
    description:
      "Requests per second to keep to, per service and Region, instead of AWS's documented rates (services: s3, ssm, mediapackage, mediapackagev2, mediastore, medialive, sts, or all), e.g. for raised quotas",
  },
} as const satisfies Record<string, OptionSpec>;

/** The overrides given, or undefined; a malformed value is a usage error (exit 2) before anything runs. */
export function rateLimitsOf(args: ParsedArguments): RateOverrides | undefined {
  const text = args.values['rate-limit'];
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new UsageError('--rate-limit takes a value, e.g. --rate-limit s3=100');
  try {
    return parseRateLimits(text);
  } catch (error) {
    if (!(error instanceof RateLimitSyntaxError)) throw error;
    throw new UsageError(error.message, {
      cause: error,
      hint: 'Nothing was called. Without --rate-limit, mlds keeps to the rates AWS documents for each service.',
    });
  }
}
