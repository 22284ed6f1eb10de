import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * docker-compose.yml as Compose itself reads it (`docker-compose config`, Debian's
 * docker-compose package; .ci/run installs it when missing). No Docker engine is
 * needed. Costs: two runs of docker-compose (~1 s each).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const secrets = { ACCRUE_BOOTSTRAP_TOKEN: 'a'.repeat(32), ACCRUE_DB_OWNER_PASSWORD: 'b'.repeat(32), ACCRUE_APP_DB_PASSWORD: 'c'.repeat(32) };
const compose = (env: Record<string, string>) =>
  run('docker-compose', ['--project-directory', ROOT, '-f', path.join(ROOT, 'docker-compose.yml'), 'config'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
const installed = await run('docker-compose', ['version']).then(() => true, () => false);

// Skipped (reported as such) only where docker-compose is missing.
describe.skipIf(!installed)('docker-compose config', () => {
  it('accepts the file with the secrets set and resolves every service, the volumes and the API port', async () => {
    const { stdout } = await compose(secrets);
    for (const service of ['postgres:', 'migrate:', 'api:', 'relay:', 'worker:']) expect(stdout).toContain(`  ${service}`);
    expect(stdout).toMatch(/notifications:/);
    expect(stdout).toContain(`postgres://accrue_app:${secrets.ACCRUE_APP_DB_PASSWORD}@postgres:5432/accrue`);
  });

  it('refuses to resolve without the secrets, naming the one to set', async () => {
    const failed = await compose({}).then(() => null, (err: { stderr: string }) => err);
    expect(failed?.stderr).toMatch(/ACCRUE_(BOOTSTRAP_TOKEN|DB_OWNER_PASSWORD|APP_DB_PASSWORD)/);
  });
});
