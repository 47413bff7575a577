/** The contract's per-method `roles` check, done by the gateway before a call is published. */
import type { Principal } from '../protocol/call.ts';

/**
 * True when the method declares no roles, or the principal's `roles` claim (an array of
 * strings) holds one of them. An anonymous caller holds no role.
 */
export function holdsRole(principal: Principal | null, roles: readonly string[] | undefined): boolean {
  if (roles === undefined) return true;
  const held = principal?.roles;
  if (!Array.isArray(held)) return false;
  // Own array elements only: a role can never come from a polluted prototype or a non-string claim.
  return held.some((role) => typeof role === 'string' && roles.includes(role));
}
