// Where an SSM parameter's value comes from, read from the plan's properties. Apart from the SSM handler, so
// that the engine reads it without loading the AWS SDK.

export type SecretSource = { env: string } | { ingestEndpointOf: string; endpointIndex?: number };

export function secretSourceOf(properties: Record<string, unknown>): SecretSource | undefined {
  const source = properties.source as Record<string, unknown> | undefined;
  if (typeof source !== 'object' || source === null) return undefined;
  if (typeof source.env === 'string') return { env: source.env };
  if (typeof source.ingestEndpointOf === 'string') {
    return {
      ingestEndpointOf: source.ingestEndpointOf,
      ...(typeof source.endpointIndex === 'number' ? { endpointIndex: source.endpointIndex } : {}),
    };
  }
  return undefined;
}
