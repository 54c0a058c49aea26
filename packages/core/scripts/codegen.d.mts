export interface GeneratedArtifacts {
  /** `schema/workflow.schema.json`, the file editors use. */
  schemaJson: string;
  /** `src/generated/workflow-validator.ts`, the ajv standalone validator. */
  validatorSource: string;
}

export function generateArtifacts(schema: object): GeneratedArtifacts;
