// The grammar of `--rate-limit <service>=<tps>[,<service>=<tps>…]` (contract section 7). Parsed here, with the
// command line, so a malformed value is refused before anything loads or calls AWS; the provisioner holds the
// rates themselves.

/** The services `--rate-limit` names (contract section 7). */
export const RATE_LIMITED_SERVICES = [
  's3',
  'ssm',
  'mediapackage',
  'mediapackagev2',
  'mediastore',
  'medialive',
  'sts',
] as const;
export type RateLimitedService = (typeof RATE_LIMITED_SERVICES)[number];

/** A rate for every operation of a service (`s3=100`), or of every service (`all=1000`). */
export type RateOverrides = Partial<Record<RateLimitedService | 'all', number>>;

/** Why a `--rate-limit` value is malformed: the flag's fix, for the CLI to print with exit 2. */
export class RateLimitSyntaxError extends Error {
  override name = 'RateLimitSyntaxError';
}

const MAX_RATE = 100_000;

/** Parses `s3=100,ssm=10` or `all=1000`. */
export function parseRateLimits(text: string): RateOverrides {
  const overrides: RateOverrides = {};
  const usage = `write <service>=<requests per second>[,…] with services ${RATE_LIMITED_SERVICES.join(', ')} or all, e.g. --rate-limit s3=100,ssm=10`;
  const parts = text.split(',').map((part) => part.trim());
  if (parts.every((part) => part === '')) throw new RateLimitSyntaxError(`--rate-limit is empty: ${usage}`);
  for (const part of parts) {
    const match = /^([A-Za-z0-9_.-]+)=(.*)$/.exec(part);
    if (!match) throw new RateLimitSyntaxError(`--rate-limit: '${part}' is not <service>=<tps>: ${usage}`);
    const [, name = '', value = ''] = match;
    const known = (service: string) =>
      service === 'all' || (RATE_LIMITED_SERVICES as readonly string[]).includes(service);
    if (!known(name)) {
      const lowercase = name.toLowerCase();
      if (known(lowercase)) {
        const rate = /^\d+$/.test(value) ? value : '<requests per second>';
        throw new RateLimitSyntaxError(
          `--rate-limit: service names are lowercase: write ${lowercase}=${rate}, not ${name}=${value}`,
        );
      }
      throw new RateLimitSyntaxError(`--rate-limit: unknown service '${name}': ${usage}`);
    }
    const perSecond = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(perSecond) || perSecond < 1 || perSecond > MAX_RATE) {
      throw new RateLimitSyntaxError(
        `--rate-limit: ${name}=${value} must be a whole number of requests per second from 1 to ${MAX_RATE}`,
      );
    }
    const key = name as RateLimitedService | 'all';
    if (overrides[key] !== undefined) throw new RateLimitSyntaxError(`--rate-limit: ${name} is given twice`);
    overrides[key] = perSecond;
  }
  return overrides;
}
