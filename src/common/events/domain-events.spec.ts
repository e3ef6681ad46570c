import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Transaction } from '../persistence/database.service';
import { DomainEvent, DomainEventPublisher, OnDomainEvent } from './domain-events';

/** A handler answers which handler it was. */
class Happened extends DomainEvent<string> {
  constructor(readonly failIn?: string) {
    super();
  }

  accepts(result: unknown): result is string {
    return typeof result === 'string';
  }
}

/** An event nobody handles. */
class Ignored extends DomainEvent<number> {
  accepts(result: unknown): result is number {
    return typeof result === 'number';
  }
}

const trace: string[] = [];
const received: unknown[] = [];
/** Stands for the publisher's open transaction: handlers must get this very object. */
const tx = { label: 'the publisher transaction' } as unknown as Transaction;
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

@Injectable()
class SlowFirstHandler {
  @OnDomainEvent(Happened)
  async handle(event: Happened, transaction: Transaction): Promise<string> {
    received.push(transaction);
    trace.push('first:start');
    await tick();
    if (event.failIn === 'first') throw new Error('first failed');
    trace.push('first:end');
    return 'first';
  }
}

@Injectable()
class SecondHandler {
  @OnDomainEvent(Happened)
  async handle(event: Happened, transaction: Transaction): Promise<string> {
    received.push(transaction);
    trace.push('second:start');
    await tick();
    if (event.failIn === 'second') throw new Error('second failed');
    trace.push('second:end');
    return 'second';
  }
}

describe('DomainEventPublisher', () => {
  let publisher: DomainEventPublisher;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [DomainEventPublisher, SlowFirstHandler, SecondHandler],
    }).compile();
    await moduleRef.init();
    publisher = moduleRef.get(DomainEventPublisher);
  });

  beforeEach(() => {
    trace.length = 0;
    received.length = 0;
  });

  it("awaits each handler before starting the next, each with the publisher's transaction, and answers what each returned", async () => {
    const results: string[] = await publisher.publish(new Happened(), tx);
    expect(results).toEqual(['first', 'second']);
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

  it('answers no results for an event without handlers', async () => {
    expect(await publisher.publish(new Ignored(), tx)).toEqual([]);
  });
});

describe('OnDomainEvent', () => {
  it('refuses, at compile time, a handler whose answer is not the result type of its event', () => {
    class WrongAnswer {
      // @ts-expect-error a handler of Happened must answer Promise<string>
      @OnDomainEvent(Happened)
      handle(): Promise<number> {
        return Promise.resolve(1);
      }
    }
    expect(new WrongAnswer()).toBeInstanceOf(WrongAnswer);
  });
});
