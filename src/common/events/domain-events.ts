import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { Transaction } from '../persistence/database.service';

/** A fact one module announces and others react to, inside the announcer's transaction. */
export interface DomainEvent {
  readonly eventName: string;
}

/**
 * Marks a method as a handler of a domain event: `(event, tx: Transaction) => Promise<void>`,
 * where tx is the publisher's transaction, the one the handler's writes must join. Errors are
 * never suppressed (@nestjs/event-emitter swallows them by default), so a failing handler
 * fails the publisher.
 */
export const OnDomainEvent = (eventName: string): MethodDecorator =>
  OnEvent(eventName, { suppressErrors: false });

/**
 * Publishes domain events by awaiting each handler in turn. EventEmitter2's emitAsync would run
 * them concurrently, so a failing handler would let the transaction roll back while another
 * handler's statement is still running on it; one after the other, the first failure stops
 * the rest and propagates to the publisher, whose transaction then rolls back whole.
 */
@Injectable()
export class DomainEventPublisher {
  constructor(private readonly emitter: EventEmitter2) {}

  async publish(event: DomainEvent, tx: Transaction): Promise<void> {
    for (const handler of this.emitter.listeners(event.eventName)) {
      // handlers registered through OnDomainEvent return their method's promise
      await (handler(event, tx) as unknown as Promise<void>);
    }
  }

  /** How many handlers are subscribed (diagnostics and tests). */
  handlerCount(eventName: string): number {
    return this.emitter.listeners(eventName).length;
  }
}
