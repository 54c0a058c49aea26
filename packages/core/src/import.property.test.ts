import { arbitraryWorkflowInput, stateAfterApply } from '@mlds/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMPORTABLE_KINDS, planImport } from './import.js';
import { normalizeWorkflow } from './normalize.js';
import { planWorkflow } from './plan.js';

const workflows = arbitraryWorkflowInput().map((input) => normalizeWorkflow(input));

describe('planImport laws', () => {
  it('every resource mlds would own imports under its own name, and under no other', () => {
    fc.assert(
      fc.property(workflows, fc.string({ minLength: 1, maxLength: 20 }), (workflow, other) => {
        const plan = planWorkflow(workflow);
        for (const resource of plan.resources) {
          const owned = resource.existing !== true && IMPORTABLE_KINDS.includes(resource.kind);
          const decision = planImport(plan, resource.address, resource.name);
          if (owned) {
            expect(decision).toStrictEqual({ import: { workflow: plan.workflow, resource, resumes: false } });
            if (other !== resource.name) {
              const renamed = planImport(plan, resource.address, other);
              expect('problem' in renamed && renamed.problem.code).toBe('name-mismatch');
            }
          } else {
            expect('problem' in decision && decision.problem.code).toBe('not-importable');
          }
        }
      }),
    );
  });

  it('after an apply, nothing is importable again: every address is in the state', () => {
    fc.assert(
      fc.property(workflows, (workflow) => {
        const state = stateAfterApply(planWorkflow(workflow));
        const plan = planWorkflow(workflow, { state });
        for (const resource of plan.resources) {
          if (resource.existing === true || !IMPORTABLE_KINDS.includes(resource.kind)) continue;
          const decision = planImport(plan, resource.address, resource.name, state);
          expect('problem' in decision && decision.problem.code).toBe('in-state');
        }
      }),
    );
  });
});
