import { describe, expect, it } from 'vitest';
import { parseRateLimits, RateLimitSyntaxError } from './rate-limits.js';

describe('--rate-limit values', () => {
  it('reads services and `all`', () => {
    expect(parseRateLimits('s3=100,ssm=10')).toStrictEqual({ s3: 100, ssm: 10 });
    expect(parseRateLimits('all=1000')).toStrictEqual({ all: 1000 });
    expect(parseRateLimits(' mediapackagev2=7 , sts=1 ')).toStrictEqual({ mediapackagev2: 7, sts: 1 });
  });

  it.each([
    ['', /is empty/],
    ['s3', /'s3' is not <service>=<tps>/],
    ['s3=', /s3= must be a whole number/],
    ['s3=0', /must be a whole number of requests per second from 1 to 100000/],
    ['s3=-1', /must be a whole number/],
    ['s3=1.5', /must be a whole number/],
    ['s3=1e3', /must be a whole number/],
    ['s3=100001', /from 1 to 100000/],
    ['ec2=5', /unknown service 'ec2'/],
    ['S3=5', /^--rate-limit: service names are lowercase: write s3=5, not S3=5$/],
    ['SSM=5,s3=1', /write ssm=5, not SSM=5/],
    ['All=5', /write all=5, not All=5/],
    ['S3=x', /write s3=<requests per second>, not S3=x/],
    ['Ec2=5', /unknown service 'Ec2'/],
    ['s 3=5', /'s 3=5' is not <service>=<tps>/],
    ['s3=5,s3=6', /s3 is given twice/],
  ])('refuses %j, naming the flag and the fix', (text, message) => {
    let caught: unknown;
    try {
      parseRateLimits(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RateLimitSyntaxError);
    expect((caught as Error).message).toMatch(/^--rate-limit/);
    expect((caught as Error).message).toMatch(message);
  });
});
