import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/values/publicAddress.ts';
import { nextStep } from '../../src/subscribers/webhooks/nextAttempt.ts';
import { loadConfig } from '../../src/config.ts';

describe('isPublicAddress (where a webhook may go)', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', '::1', '[::1]', 'fe80::1%eth0', 'fd00::1', 'fd00:ec2::254', 'fc00::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', 'ff02::1', 'localhost', 'not an ip',
  ])('refuses %s', (address) => expect(isPublicAddress(address)).toBe(false));
  it.each(['8.8.8.8', '93.184.215.14', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => expect(isPublicAddress(address)).toBe(true));
});

describe('the retry schedule', () => {
  it('defaults to the Standard Webhooks / Svix steps and steps through them, failing after the last', () => {
    const schedule = loadConfig({}).ACCRUE_WEBHOOK_RETRY_SCHEDULE;
    expect(schedule).toEqual([5, 300, 1800, 7200, 18000, 36000]);
    expect(nextStep(1, false, schedule)).toEqual({ status: 'pending', retryInSeconds: 5 });
    expect(nextStep(6, false, schedule)).toEqual({ status: 'pending', retryInSeconds: 36000 });
    expect(nextStep(7, false, schedule)).toEqual({ status: 'failed' });
    expect(nextStep(3, true, schedule)).toEqual({ status: 'succeeded' });
    expect(loadConfig({ ACCRUE_WEBHOOK_RETRY_SCHEDULE: '1, 2,3' }).ACCRUE_WEBHOOK_RETRY_SCHEDULE).toEqual([1, 2, 3]);
    expect(() => loadConfig({ ACCRUE_WEBHOOK_RETRY_SCHEDULE: '5,five' })).toThrow(/ACCRUE_WEBHOOK_RETRY_SCHEDULE/);
  });
});
