import { Injectable, SetMetadata, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Transaction } from '../persistence/database.service';

/**
 * A fact one module announces and others react to, inside the announcer's transaction. R is
 * what each handler answers (what it did); `accepts` checks an answer at the boundary, so that
 * the publisher hands typed results back without a cast.
 */
export abstract class DomainEvent<R> {
  abstract accepts(result: unknown): result is R;
}

/** The result type of an event's handlers. */
export type ResultOf<E> = E extends DomainEvent<infer R> ? R : never;

/** An event class; its name identifies its handlers. */
export type DomainEventClass<E extends DomainEvent<unknown>> = abstract new (...args: never[]) => E;

/** A handler method: the event, and the publisher's transaction its writes must join. */
export type DomainEventHandler<E extends DomainEvent<unknown>> = (
  event: E,
  tx: Transaction,
) => Promise<ResultOf<E>>;

const HANDLES = Symbol('domain-event-handler');

/**
 * Marks a provider's method as a handler of a domain event. The compiler checks its signature
 * against the event: `(event: E, tx: Transaction) => Promise<result of E>`.
 */
export function OnDomainEvent<E extends DomainEvent<unknown>>(event: DomainEventClass<E>) {
  return <M extends DomainEventHandler<E>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    SetMetadata(HANDLES, event)(target, key, descriptor);
  };
}

type BoundHandler = (event: DomainEvent<unknown>, tx: Transaction) => Promise<unknown>;

/**
 * Publishes domain events to the handlers that providers declare with OnDomainEvent, found once
 * at start (Nest's DiscoveryService). Each handler is awaited before the next starts, and the
 * first error stops the rest and propagates to the publisher, whose transaction then rolls back
 * whole: a handler's statement never runs on a transaction that is already rolling back, and no
 * error is swallowed. (EventEmitter2, behind @nestjs/event-emitter, swallows listener errors
 * unless told not to, runs async listeners concurrently in emitAsync, and types listeners as
 * returning nothing; see docs/architecture.md.)
 */
@Injectable()
export class DomainEventPublisher implements OnModuleInit {
  private readonly handlers = new Map<DomainEventClass<DomainEvent<unknown>>, BoundHandler[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || typeof instance !== 'object' || instance === null) {
        continue;
      }
      const prototype = Reflect.getPrototypeOf(instance);
      if (!prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method: unknown = Reflect.get(instance, name);
        if (typeof method !== 'function') continue;
        const event = this.reflector.get<DomainEventClass<DomainEvent<unknown>> | undefined>(
          HANDLES,
          method,
        );
        if (!event) continue;
        const list = this.handlers.get(event) ?? [];
        list.push((published, tx) => Promise.resolve(method.call(instance, published, tx)));
        this.handlers.set(event, list);
      }
    }
  }

  /** Runs every handler of the event, one after another, and answers what each did. */
  async publish<E extends DomainEvent<unknown>>(event: E, tx: Transaction): Promise<ResultOf<E>[]> {
    const results: ResultOf<E>[] = [];
    for (const [type, handlers] of this.handlers) {
      if (!(event instanceof type)) continue;
      for (const handler of handlers) {
        const result = await handler(event, tx);
        if (!isResultOf(event, result)) {
          throw new TypeError(`a handler of ${event.constructor.name} answered ${String(result)}`);
        }
        results.push(result);
      }
    }
    return results;
  }
}

function isResultOf<E extends DomainEvent<unknown>>(
  event: E,
  result: unknown,
): result is ResultOf<E> {
  return event.accepts(result);
}
