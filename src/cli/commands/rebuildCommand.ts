import type { Command } from 'commander';
import { buildSubscriberRegistry, findSubscriber } from '../../runtime/registeredSubscribers.ts';
import { connect } from '../../db/connect.ts';
import { rebuildSubscriber } from '../../bus/operator/rebuildSubscriber.ts';
import { takeProjectionSnapshot, takesSnapshots } from '../../bus/operator/projectionSnapshots.ts';
import { startBoss } from '../../bus/queues/startBoss.ts';
import { ensureQueues } from '../../bus/queues/ensureQueues.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';
import { progressBar } from './progressBar.ts';

export function registerRebuildCommand(program: Command): void {
  program
    .command('snapshot <subscriber>')
    .description('take a snapshot of a rebuildable projection now (the worker also takes them on ACCRUE_SNAPSHOT_CRON)')
    .action(async (name: string) => {
      const { config, log, database } = await openBusRuntime('snapshot');
      const registry = buildSubscriberRegistry(config, database.url);
      const subscriber = findSubscriber(name, registry.subscribers);
      await registry.close();
      if (!subscriber || !takesSnapshots(subscriber)) {
        await database.stop();
        const known = registry.subscribers.filter(takesSnapshots).map((s) => s.name).join(', ') || 'none';
        exitWithError(`subscriber ${name} takes no snapshots (those that do: ${known})`, 'usage');
      }
      const handle = connect(database.url, { max: 1, applicationName: 'accrue-snapshot' });
      try {
        const taken = await handle.db.transaction().execute((tx) => takeProjectionSnapshot(tx, subscriber));
        log.info({ subscriber: name, ...taken }, taken ? 'snapshot taken' : 'snapshot unchanged: nothing applied since the latest');
      } finally {
        await handle.close();
        await database.stop();
      }
    });

  program
    .command('rebuild <subscriber>')
    .description(
      "clear a subscriber's state and feed it every stored event of its types again (the service keeps running); " +
        'a subscriber that takes snapshots starts from its latest valid one and is fed only the events after it',
    )
    .option('--from-scratch', 'ignore snapshots: reset and feed every stored event')
    .action(async (name: string, opts: { fromScratch?: boolean }) => {
      const { config, log, settings, database } = await openBusRuntime('rebuild');
      const registry = buildSubscriberRegistry(config, database.url);
      const subscriber = findSubscriber(name, registry.subscribers);
      const refusal = !subscriber
        ? `unknown subscriber ${name} (known: ${registry.subscribers.map((s) => s.name).join(', ') || 'none'})`
        : !subscriber.reset
          ? `subscriber ${name} cannot be rebuilt: it defines no reset(), so its state cannot be cleared safely`
          : undefined;
      if (refusal || !subscriber) {
        await registry.close();
        await database.stop();
        exitWithError(refusal ?? `unknown subscriber ${name}`, 'usage');
      }
      const handle = connect(database.url, { max: 2, applicationName: 'accrue-rebuild' });
      const boss = await startBoss(database.url, { role: 'client', settings, log, max: 2 });
      const bar = progressBar(`rebuild ${name}`);
      try {
        await ensureQueues(boss, [subscriber.name], settings.queue);
        const result = await rebuildSubscriber(handle.db, boss, subscriber, { fromScratch: opts.fromScratch === true, onProgress: (d, t) => bar.update(d, t) });
        bar.stop();
        log.info(result, 'rebuild queued; workers are applying the events');
      } finally {
        bar.stop();
        await boss.stop({ graceful: false, close: true });
        await handle.close();
        await registry.close();
        await database.stop();
      }
    });
}
