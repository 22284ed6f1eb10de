import { readStoredEvent } from '../../events/envelope.ts';
import type { Subscriber, SubscriberContext } from './subscriber.ts';

/**
 * Delivers one raw event to every subscriber that takes its type, in memory, with the
 * worker's validation (readStoredEvent: envelope, upcasting, payload). For unit tests
 * of subscribers and for tools; no queue, no inbox. Throws ValidationError on a poison
 * payload. Returns the names of the subscribers that handled it.
 */
export async function dispatchEvent(subscribers: readonly Subscriber[], raw: unknown, ctx: SubscriberContext): Promise<string[]> {
  const event = readStoredEvent(raw);
  const handled: string[] = [];
  for (const subscriber of subscribers) {
    if (!subscriber.eventTypes.includes(event.type)) continue;
    await subscriber.handle(event, ctx);
    handled.push(subscriber.name);
  }
  return handled;
}
