import { Injectable } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import type { Transaction } from '../persistence/database.service';
import { DomainEventPublisher, OnDomainEvent, type DomainEvent } from './domain-events';

class Happened implements DomainEvent {
  readonly eventName = 'test.happened';
  constructor(readonly failIn?: string) {}
}

const trace: string[] = [];
const received: unknown[] = [];
/** Stands for the publisher's open transaction: handlers must get this very object. */
const tx = { label: 'the publisher transaction' } as unknown as Transaction;
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

@Injectable()
class SlowFirstHandler {
  @OnDomainEvent('test.happened')
  async handle(event: Happened, transaction: Transaction): Promise<void> {
    received.push(transaction);
    trace.push('first:start');
    await tick();
    if (event.failIn === 'first') throw new Error('first failed');
    trace.push('first:end');
  }
}

@Injectable()
class SecondHandler {
  @OnDomainEvent('test.happened')
  async handle(event: Happened, transaction: Transaction): Promise<void> {
    received.push(transaction);
    trace.push('second:start');
    await tick();
    if (event.failIn === 'second') throw new Error('second failed');
    trace.push('second:end');
  }
}

describe('DomainEventPublisher', () => {
  let publisher: DomainEventPublisher;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot()],
      providers: [DomainEventPublisher, SlowFirstHandler, SecondHandler],
    }).compile();
    await moduleRef.init();
    publisher = moduleRef.get(DomainEventPublisher);
  });

  beforeEach(() => {
    trace.length = 0;
    received.length = 0;
  });

  it("awaits each handler before starting the next, each with the publisher's transaction", async () => {
    await publisher.publish(new Happened(), tx);
    expect(trace).toEqual(['first:start', 'first:end', 'second:start', 'second:end']);
    expect(received).toEqual([tx, tx]);
    expect(received[0]).toBe(tx);
  });

  it('propagates a handler error instead of swallowing it, and runs no later handler', async () => {
    await expect(publisher.publish(new Happened('first'), tx)).rejects.toThrow('first failed');
    expect(trace).toEqual(['first:start']);
  });

  it('propagates the error of the last handler', async () => {
    await expect(publisher.publish(new Happened('second'), tx)).rejects.toThrow('second failed');
    expect(trace).toEqual(['first:start', 'first:end', 'second:start']);
  });
});
