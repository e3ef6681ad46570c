import type { Type } from '@nestjs/common';
import type { EntityClass } from '../../common/persistence/table-mapping';
import type { WorkflowLinkedEntity } from './workflow-linked.entity';

/**
 * A kind of row linked to a workflow: the one declaration a module makes for its rows to take
 * part in everything that concerns workflows (the cascade of a delete and its restore,
 * `include=`, the orphan report and repair, retention purge, the counts in answers and in the
 * OpenAPI document). See docs/adding-a-linked-kind.md.
 */
export interface LinkedKind<E extends WorkflowLinkedEntity = WorkflowLinkedEntity> {
  /** Its route, its `include=` value and its key in counts: lower case, plural (`notes`). */
  readonly name: string;
  /** One row, in messages (`Note 7 not found`). */
  readonly label: string;
  /**
   * One row in the outbox's event types: `<event>.created|updated|deleted|restored`
   * (`note.created`); a plain lower-case identifier, unique among the kinds.
   */
  readonly event: string;
  /** Its entity: the table and the columns, from TypeORM's metadata. */
  readonly entity: EntityClass<E>;
  /** The API's schema of one row, embedded by `GET /workflows/:id?include=`. */
  readonly dto: Type<unknown>;
  /** One line for its OpenAPI tag. */
  readonly description: string;
  /** An example count for the OpenAPI document. */
  readonly exampleCount?: number;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** The outbox's own event prefixes for workflows and deletions. */
const RESERVED_EVENTS = ['workflow', 'deletion'];

/** Declares a linked kind; its name must be a plain lower-case identifier. */
export function defineLinkedKind<E extends WorkflowLinkedEntity>(
  kind: LinkedKind<E>,
): LinkedKind<E> {
  if (!NAME.test(kind.name)) {
    throw new Error(`a linked kind's name must match ${NAME}: ${JSON.stringify(kind.name)}`);
  }
  if (!NAME.test(kind.event) || RESERVED_EVENTS.includes(kind.event)) {
    throw new Error(
      `a linked kind's event must match ${NAME} and not be ${RESERVED_EVENTS.join(' or ')}: ${JSON.stringify(kind.event)}`,
    );
  }
  return Object.freeze({ ...kind });
}
