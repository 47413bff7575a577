/**
 * The one question `warren check` asks of a contract's semver `version`: did its major go up?
 * Below 1.0.0 the minor plays the major's part (0.3 → 0.4 may break), as Cargo and npm's caret
 * ranges read it.
 */
import { SEMVER } from '../../src/contract/defineContract.ts';

/** The part of a version that a breaking change must raise: [major] from 1.0.0, [0, minor] before. */
function compatibility(version: string): number[] | undefined {
  const match = SEMVER.exec(version);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 0 ? [major] : [0, minor];
}

/**
 * True when `current` raises the compatibility part of `baseline` (1.4.2 → 2.0.0, 0.3.1 → 0.4.0).
 * A missing or invalid version on either side never counts as a bump: the baseline must have
 * recorded a version for a new one to be compared with it.
 */
export function majorBumped(baseline: string | undefined, current: string | undefined): boolean {
  if (baseline === undefined || current === undefined) return false;
  const [a, b] = [compatibility(baseline), compatibility(current)];
  if (!a || !b) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i] ?? -1, b[i] ?? -1];
    if (x !== y) return y > x;
  }
  return false;
}
