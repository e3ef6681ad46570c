import { Inject, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Database } from '../../common/persistence/database.service';
import { DeletionsRepository } from '../deletions/deletions.repository';
import { WorkflowLinks } from '../workflow-links';
import { WorkflowsModule } from '../workflows.module';
import type { LinkedKind } from './linked-kind';
import { LinkedRows } from './linked-rows';
import type { WorkflowLinkedEntity } from './workflow-linked.entity';

const tokens = new Map<LinkedKind<WorkflowLinkedEntity>, string>();

/** The injection token of a kind's LinkedRows. */
export function linkedRowsToken(kind: LinkedKind<WorkflowLinkedEntity>): string {
  let token = tokens.get(kind);
  if (!token) {
    token = `LinkedRows(${kind.name})`;
    tokens.set(kind, token);
  }
  return token;
}

/** Injects the LinkedRows of a kind the module declared with LinkedKindsModule.forFeature. */
export const InjectLinkedRows = (kind: LinkedKind<WorkflowLinkedEntity>) =>
  Inject(linkedRowsToken(kind));

/**
 * The extension point: a module that owns a kind of rows linked to workflows imports
 * `LinkedKindsModule.forFeature(ITS_KIND)` and nothing else of the Workflows module. That
 * registers its entity with TypeORM and provides its LinkedRows, which the cascade, the restore
 * and every generic path then find (LinkedKinds).
 */
@Module({})
export class LinkedKindsModule {
  static forFeature<E extends WorkflowLinkedEntity>(kind: LinkedKind<E>): DynamicModule {
    const token = linkedRowsToken(kind);
    return {
      module: LinkedKindsModule,
      imports: [TypeOrmModule.forFeature([kind.entity]), WorkflowsModule],
      providers: [
        {
          provide: token,
          useFactory: (db: Database, links: WorkflowLinks, deletions: DeletionsRepository) =>
            new LinkedRows(kind, db, links, deletions),
          inject: [Database, WorkflowLinks, DeletionsRepository],
        },
      ],
      exports: [token],
    };
  }
}
