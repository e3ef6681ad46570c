import type { Scope } from '../common/persistence/scope';

/** Roles carried in the token's `role` claim; each includes what the ones before it may do. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `held` includes what `required` may do. */
export function satisfies(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}

/**
 * Who is calling: the token's subject (a user id), role and organization (the `org` claim); the
 * scope of everything the caller reads and writes.
 */
export interface Principal extends Scope {
  id: number;
  role: Role;
}
