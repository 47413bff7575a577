/** Test helper: runs the checker on two contract specs, as `warren check` would on their locks. */
import { z } from 'zod';
import { buildLock, checkLocks, type CheckOptions, type Finding } from '../../codegen/check/index.ts';
import { defineContract, type ContractSpec, type MethodSpec } from '../../src/contract/defineContract.ts';

export function check(before: ContractSpec | ContractSpec[], after: ContractSpec | ContractSpec[], options: CheckOptions = {}): Finding[] {
  const lock = (specs: ContractSpec | ContractSpec[]) => buildLock([specs].flat().map((spec) => defineContract(spec)));
  return checkLocks(lock(before), lock(after), options);
}

/** A `svc` contract with one method `m`, for the many cases that change one message. */
export function oneMethod(spec: Partial<MethodSpec> & Pick<MethodSpec, 'input'>, rest: Partial<ContractSpec> = {}): ContractSpec {
  return { service: 'svc', methods: { m: { output: z.null(), ...spec } }, ...rest };
}

/** The same, for a change to the method's result. */
export function oneResult(output: z.ZodType, rest: Partial<ContractSpec> = {}): ContractSpec {
  return { service: 'svc', methods: { m: { input: z.object({}), output } }, ...rest };
}

/** The fields a catalogue entry pins down. */
export function brief(findings: Finding[]) {
  return findings.map((f) => ({
    rule: f.rule,
    severity: f.severity,
    at: `${f.subject}${f.part ? ` ${f.part}` : ''} ${f.path}`,
    ...(f.allowed ? { allowed: true } : {}),
  }));
}
