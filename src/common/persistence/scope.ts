import type { RequestContext } from './request-context';

/**
 * The organization a statement acts in. Every method of SoftDeletableRepository (and so of every
 * repository of the service) takes one as its first argument and filters on, or writes,
 * `organization_id` from it: a query without a scope does not compile. The caller's Principal is
 * one (its `org` claim); the purge CLI makes one per organization (`organizationIds`).
 */
export interface Scope {
  readonly organizationId: number;
  /**
   * Who acts: the caller's user id (the token's `sub`) when the scope is a caller's Principal;
   * absent for jobs (`npm run purge`). The outbox records it as an event's `actor`.
   */
  readonly id?: number;
  /** The HTTP request's preconditions and commit hook, when it has any (see RequestContext). */
  readonly request?: RequestContext;
}
