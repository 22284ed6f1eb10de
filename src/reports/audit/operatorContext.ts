import { userInfo } from 'node:os';
import { uuidv7 } from '../../values/uuidv7.ts';
import type { EventContext } from '../../events/appendEvents.ts';

/**
 * The event context of an operator action run from the CLI: the actor is the OS
 * user ("cli:alice"), which is what a shell session can honestly say about who ran
 * it; each command run gets its own correlation id.
 */
export function cliContext(): EventContext {
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // no passwd entry (some containers): keep 'unknown' rather than fail the command
  }
  return { actor: `cli:${user}`, correlationId: uuidv7() };
}
