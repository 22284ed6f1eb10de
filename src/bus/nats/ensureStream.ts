import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { Logger } from '../../telemetry/logger.ts';
import { streamSubjects } from './natsSubject.ts';

export type StreamSettings = {
  name: string;
  subjectPrefix: string;
  retention: 'limits' | 'interest' | 'workqueue';
  replicas: number;
  duplicateWindowSeconds: number;
};

/**
 * Creates the stream when it is missing. An existing stream is left as its operator
 * configured it (retention, limits, replicas); only a subject set that would not
 * capture the forwarder's subjects is reported, since every publish would then fail.
 */
export async function ensureStream(jsm: JetStreamManager, s: StreamSettings, log: Logger): Promise<StreamInfo> {
  try {
    const info = await jsm.streams.info(s.name);
    const wanted = streamSubjects(s.subjectPrefix)[0]!;
    if (!info.config.subjects?.some((subject) => subject === wanted || subject === '>')) {
      log.warn({ stream: s.name, subjects: info.config.subjects, wanted }, 'the NATS stream exists but does not capture the forwarded subjects');
    }
    return info;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
  }
  log.info({ stream: s.name, retention: s.retention, replicas: s.replicas }, 'creating the NATS stream');
  return jsm.streams.add({
    name: s.name,
    subjects: streamSubjects(s.subjectPrefix),
    retention: s.retention,
    num_replicas: s.replicas,
    duplicate_window: s.duplicateWindowSeconds * 1_000_000_000,
  });
}
