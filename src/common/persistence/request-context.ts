import type { OpeningWrite, Transaction } from './database.service';

/**
 * What one HTTP request asks of the transactions that act for it, handed down with the Scope
 * (`scope.request`) rather than through continuation-local storage: the controller passes the
 * request's Scope to the service, the service to `Database.transaction(work, scope)` and to the
 * repositories. Requests without conditional or idempotency headers carry none.
 */
export interface RequestContext {
  /**
   * `If-Match`: the entity tags the row the route acts on (`id`, its path parameter) must have
   * when the transaction locks it (412 otherwise); checked by the repositories' lock() and
   * lockActive(), which the routes call on that row only.
   */
  ifMatch?: { id: number; tags: readonly string[] };
  /**
   * Runs inside the transaction, after its work and before its commit, with the work's result:
   * the idempotency record of the request's answer commits with its effect (a write at the
   * commit: Transaction.writeAtCommit).
   */
  beforeCommit?: (tx: Transaction, result: unknown) => void;
  /**
   * The transaction's first statement, before its work (made again for each rerun): the claim
   * of the request's Idempotency-Key, on routes whose effect is that one transaction (see
   * IdempotencyKeys), so that the key commits, or vanishes, with the effect.
   */
  openingWrite?: () => OpeningWrite;
}
