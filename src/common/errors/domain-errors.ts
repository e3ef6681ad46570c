/**
 * Errors that services throw; DomainErrorFilter maps each kind to one HTTP status and the
 * error shape of docs/api.md. Services never build HTTP responses themselves.
 */
export type DomainErrorKind =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'unavailable'
  | 'precondition_failed'
  | 'precondition_required';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  /** Seconds after which the client may retry (the answer's Retry-After), when it should. */
  readonly retryAfterSeconds?: number;

  /** `cause`, when given, is logged, never sent: it may name hosts, users or statements. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request whose values are well-formed one by one but wrong together (400). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid_input';
}

/** The row does not exist or is soft-deleted; both look the same to a client (404). */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found';

  constructor(resource: string, id: number) {
    super(`${resource} ${id} not found`);
  }
}

/** A child names a workflow that does not exist or is deleted (422). */
export class WorkflowNotActiveError extends DomainError {
  readonly kind = 'unprocessable';

  constructor(readonly workflowId: number) {
    super(`workflowId ${workflowId} does not name an active workflow`);
  }
}

/** The request conflicts with the row's current state (409). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

/** The database did not answer (503); the client may retry. */
export class DatabaseUnavailableError extends DomainError {
  readonly kind = 'unavailable';
}

/** A transaction kept conflicting with concurrent ones and was not applied (503, retry later). */
export class ConflictRetriesExhaustedError extends DomainError {
  readonly kind = 'unavailable';
}

/** If-Match names none of the row's current tags (412). */
export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition_failed';
}

/** REQUIRE_IF_MATCH is on and the write came without If-Match (428). */
export class PreconditionRequiredError extends DomainError {
  readonly kind = 'precondition_required';
}

/** The same key and request is still being answered, here or on another replica (409, Retry-After). */
export class IdempotentRequestInProgressError extends DomainError {
  readonly kind = 'conflict';
  override readonly retryAfterSeconds = 1;
}

/** An Idempotency-Key reused for another method, path or body (422). */
export class IdempotencyKeyReusedError extends DomainError {
  readonly kind = 'unprocessable';
}
