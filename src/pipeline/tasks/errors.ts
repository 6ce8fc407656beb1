import type { QualityResult } from '../../domain/quality.ts';

/** The quality gate refused what a task read: nothing of it is published. Carries the gate for the history. */
export class QualityGateError extends Error {
  override name = 'QualityGateError';
  readonly code = 'QUALITY_GATE';
  readonly gate: QualityResult;

  constructor(source: string, gate: QualityResult) {
    const failed = gate.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    super(`${source}: quality gate failed: ${failed.join('; ')}`);
    this.gate = gate;
  }
}
