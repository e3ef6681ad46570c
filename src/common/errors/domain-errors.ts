/**
 * Errors that services throw; DomainErrorFilter maps each kind to one HTTP status and the
 * error shape of docs/api.md. Services never build HTTP responses themselves.
 */
export type DomainErrorKind =
  'invalid_input' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

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
