import type { Config } from '../config.ts';
import { connect } from '../db/connect.ts';
import { listenForOutbox } from '../bus/relay/listenForOutbox.ts';
import { startNatsForwarder, type NatsForwarder } from '../bus/nats/startNatsForwarder.ts';
import type { Logger } from '../telemetry/logger.ts';

/**
 * The NATS forwarder as configured (ACCRUE_NATS_*), on its own two connections and
 * its own LISTEN, for `accrue forward nats` and `accrue start`. undefined when
 * ACCRUE_NATS_URL is unset.
 */
export function startNatsForwarding(config: Config, databaseUrl: string, log: Logger): NatsForwarder | undefined {
  if (!config.ACCRUE_NATS_URL) return undefined;
  const handle = connect(databaseUrl, { max: 2, applicationName: 'accrue-forward-nats' });
  const forwarder = startNatsForwarder({
    db: handle.db,
    natsUrl: config.ACCRUE_NATS_URL,
    stream: {
      name: config.ACCRUE_NATS_STREAM,
      subjectPrefix: config.ACCRUE_NATS_SUBJECT_PREFIX,
      retention: config.ACCRUE_NATS_RETENTION,
      replicas: config.ACCRUE_NATS_REPLICAS,
      duplicateWindowSeconds: config.ACCRUE_NATS_DUPLICATE_WINDOW_SECONDS,
    },
    batchSize: config.ACCRUE_NATS_BATCH_SIZE,
    pollMs: config.ACCRUE_FEED_POLL_MS,
    listen: (wake) => listenForOutbox(databaseUrl, wake, log, 'accrue-forward-nats-listen'),
    log,
  });
  return {
    caughtUp: forwarder.caughtUp,
    async stop() {
      await forwarder.stop();
      await handle.close();
    },
  };
}
