import type { Scope } from '../common/persistence/scope';

/**
 * Roles carried in the token's `role` claim. viewer, editor, admin: each includes what the ones
 * before it may do. `integration` stands apart: it includes no other role, and no other role
 * includes it; it may call only the routes that name it (`GET /events`, the GETs of `/webhooks`),
 * read-only.
 */
export const ROLES = ['viewer', 'editor', 'admin', 'integration'] as const;
export type Role = (typeof ROLES)[number];

const RANKED: readonly Role[] = ['viewer', 'editor', 'admin'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `held` includes what `required` may do. */
export function satisfies(held: Role, required: Role): boolean {
  if (!RANKED.includes(held) || !RANKED.includes(required)) return held === required;
  return RANKED.indexOf(held) >= RANKED.indexOf(required);
}

/**
 * Who is calling: the token's subject (a user id), role and organization (the `org` claim); the
 * scope of everything the caller reads and writes.
 */
export interface Principal extends Scope {
  id: number;
  role: Role;
}
