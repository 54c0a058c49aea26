// Parse + plan of a generated 200-downstream workflow, in-process, against baselines measured in the same run:
// the same work for 1 downstream (×200: how far from linear) and JSON.parse + JSON.stringify of the 200-entry
// document (the cost of merely reading and writing that much data).

import { ms } from './_lib.mjs';

export const title =
  'Plan time, 200 downstream systems (in-process, median of 50 interleaved runs after 10 warm-up rounds)';

/** A valid STANDARD workflow with `count` downstream entries cycling through the systems. */
export function generatedWorkflow(count) {
  const lines = ['workflow: bench-scale', 'region: us-west-2', 'channelClass: STANDARD', 'downstream:'];
  const kinds = [
    (n) => [`  - name: mp-${n}`, '    system: mediapackage'],
    (n) => [`  - name: s3-${n}`, '    system: s3', `    path: live/s3-${n}/index`],
    (n) => [
      `  - name: rtmp-${n}`,
      '    system: rtmp',
      `    urls: [rtmp://a-${n}.example-social.com/app, rtmp://b-${n}.example-social.com/app]`,
      '    streamKey: { env: SOCIAL_STREAM_KEY }',
    ],
    (n) => [
      `  - name: put-${n}`,
      '    system: http-put',
      `    urls: [https://a-${n}.example-cdn.com/live/index, https://b-${n}.example-cdn.com/live/index]`,
    ],
    (n) => [
      `  - name: udp-${n}`,
      '    system: udp',
      `    urls: [udp://10.0.${n % 250}.10:5000, udp://10.1.${n % 250}.10:5000]`,
    ],
  ];
  for (let index = 0; index < count; index++) {
    const kind = kinds[index % kinds.length];
    lines.push(...kind(String(index).padStart(3, '0')));
  }
  return `${lines.join('\n')}\n`;
}

export async function run(bench) {
  const { parseWorkflow, planWorkflow } = await bench.loadCore();
  const large = generatedWorkflow(200);
  const small = generatedWorkflow(1);
  const parseAndPlan = (text) => {
    const parsed = parseWorkflow(text, { filename: 'bench.yaml' });
    if (parsed.workflow === undefined) {
      throw new Error(`the generated workflow is invalid: ${JSON.stringify(parsed.diagnostics.slice(0, 3))}`);
    }
    return planWorkflow(parsed.workflow, { diagnostics: parsed.diagnostics });
  };
  const largePlan = parseAndPlan(large);
  const errors = largePlan.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0)
    throw new Error(`the generated workflow plans with errors: ${JSON.stringify(errors.slice(0, 3))}`);
  const largeWorkflow = parseWorkflow(large, { filename: 'bench.yaml' }).workflow;
  const largeAsJson = JSON.stringify(parseWorkflow(large, { filename: 'bench.yaml' }).input);

  const medians = bench.interleaved(
    {
      large: () => bench.timeCall(() => parseAndPlan(large)),
      small: () => bench.timeCall(() => parseAndPlan(small)),
      parseOnly: () => bench.timeCall(() => parseWorkflow(large, { filename: 'bench.yaml' })),
      planOnly: () => bench.timeCall(() => planWorkflow(largeWorkflow)),
      json: () => bench.timeCall(() => JSON.stringify(JSON.parse(largeAsJson))),
    },
    { runs: 50, warmups: 10 },
  );
  bench.row(`parse + plan, 200 downstream (${largePlan.resources.length} resources)`, ms(medians.large));
  bench.row('  of which parse (YAML, schema, rules)', ms(medians.parseOnly));
  bench.row('  of which plan', ms(medians.planOnly));
  bench.row('parse + plan, 1 downstream', ms(medians.small));
  bench.row('JSON.parse + JSON.stringify of the 200-entry document', ms(medians.json));
  bench.row(
    '200 downstream / (200 × 1 downstream)',
    `${(medians.large / (200 * medians.small)).toFixed(2)}×   (1× = linear)`,
  );
  bench.row('200 downstream / JSON round trip', `${(medians.large / medians.json).toFixed(0)}×`);
}
