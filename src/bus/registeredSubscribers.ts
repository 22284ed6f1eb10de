import type { Subscriber } from './subscriber.ts';

/**
 * Every subscriber the service runs (relay routes, worker queues, replay and
 * rebuild targets). Each capability adds its subscribers to this list.
 */
export const registeredSubscribers: readonly Subscriber[] = [];

export function findSubscriber(name: string, subscribers: readonly Subscriber[] = registeredSubscribers): Subscriber | undefined {
  return subscribers.find((s) => s.name === name);
}
