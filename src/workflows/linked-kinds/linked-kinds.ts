import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InvalidInputError } from '../../common/errors/domain-errors';
import type { LinkedKind } from './linked-kind';
import { LinkedRows } from './linked-rows';

/**
 * Every linked kind of the application, in the order their modules were imported: what the
 * generic paths (the include of a workflow's rows, the orphan checks, retention, the OpenAPI
 * document) iterate. Found, on first use, among the providers: the LinkedRows that
 * LinkedKindsModule.forFeature provided in each declaring module. (Not in onModuleInit: the
 * OpenAPI document is built before the application's init hooks run.)
 */
@Injectable()
export class LinkedKinds {
  private found: Map<string, LinkedRows> | undefined;

  constructor(private readonly discovery: DiscoveryService) {}

  private get byName(): Map<string, LinkedRows> {
    if (this.found) return this.found;
    const byName = new Map<string, LinkedRows>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!isLinkedRows(instance)) continue;
      const existing = byName.get(instance.kind.name);
      if (existing && existing !== instance) {
        throw new Error(`two linked kinds are named ${instance.kind.name}`);
      }
      byName.set(instance.kind.name, instance);
    }
    this.found = byName;
    return byName;
  }

  all(): LinkedRows[] {
    return [...this.byName.values()];
  }

  kinds(): LinkedKind[] {
    return this.all().map((rows) => rows.kind);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The rows of each named kind; an unknown name is the client's mistake (400). */
  named(names: readonly string[], parameter: string): LinkedRows[] {
    return [...new Set(names)].map((name) => {
      const rows = this.byName.get(name);
      if (!rows) {
        throw new InvalidInputError(
          `${parameter} must be a comma-separated list of: ${this.names().join(', ')}`,
        );
      }
      return rows;
    });
  }

  /** One value per kind, in the kinds' order. */
  async collect<V>(work: (rows: LinkedRows) => Promise<V>): Promise<Record<string, V>> {
    const result: Record<string, V> = {};
    for (const rows of this.all()) result[rows.kind.name] = await work(rows);
    return result;
  }
}

function isLinkedRows(value: unknown): value is LinkedRows {
  return value instanceof LinkedRows;
}
