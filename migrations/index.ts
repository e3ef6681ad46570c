import { BaseSchema1759300000000 } from './1759300000000-base-schema';
import { AddWorkflowRelationshipsToInterviewsAndTodos1759399000000 } from './1759399000000-add-workflow-relationships-to-interviews-and-todos';
import { RecordDeletesWithWorkflow1759500000000 } from './1759500000000-record-deletes-with-workflow';
import { AddListFilterIndexes1759600000000 } from './1759600000000-add-list-filter-indexes';
import { AddWorkflowLinkVersion1759700000000 } from './1759700000000-add-workflow-link-version';
import { AddDeletedBy1759800000000 } from './1759800000000-add-deleted-by';
import { AddOrganizations1759900000000 } from './1759900000000-add-organizations';
import { AddDeletions1760000000000 } from './1760000000000-add-deletions';
import { AddIdempotencyKeys1760500000000 } from './1760500000000-add-idempotency-keys';
import { AddRowVersions1760600000000 } from './1760600000000-add-row-versions';
import { AddOutbox1760700000000 } from './1760700000000-add-outbox';
import { AddWebhooks1760800000000 } from './1760800000000-add-webhooks';
import { IndexLinksWithOrganization1760850000000 } from './1760850000000-index-links-with-organization';

/** Every migration, oldest first: the only source of the schema. */
export const MIGRATIONS = [
  BaseSchema1759300000000,
  AddWorkflowRelationshipsToInterviewsAndTodos1759399000000,
  RecordDeletesWithWorkflow1759500000000,
  AddListFilterIndexes1759600000000,
  AddWorkflowLinkVersion1759700000000,
  AddDeletedBy1759800000000,
  AddOrganizations1759900000000,
  AddDeletions1760000000000,
  AddIdempotencyKeys1760500000000,
  AddRowVersions1760600000000,
  AddOutbox1760700000000,
  AddWebhooks1760800000000,
  IndexLinksWithOrganization1760850000000,
];
