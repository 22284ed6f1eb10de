// The typed client in clients/typescript, generated from the document the API serves.
//
//   node scripts/generateClient.ts           write clients/typescript/openapi.json and src/schema.d.ts
//   node scripts/generateClient.ts --check   exit 1 when either is stale (CI)
//   node scripts/generateClient.ts --spec F  only write the document to F (for the lint)
//
// openapi-typescript runs from clients/typescript/node_modules (it needs TypeScript 5's
// compiler API; the service type-checks with TypeScript 7): `npm ci --prefix clients/typescript` first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiDocument } from '../src/http/apiDocument.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const client = path.join(root, 'clients', 'typescript');
const generator = path.join(client, 'node_modules', '.bin', 'openapi-typescript');
const args = process.argv.slice(2);

const spec = `${JSON.stringify(await apiDocument(), null, 2)}\n`;

if (args[0] === '--spec') {
  const out = args[1] ?? 'openapi.json';
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, spec);
  process.exit(0);
}
if (!existsSync(generator)) {
  process.stderr.write('generateClient: openapi-typescript is not installed; run `npm ci --prefix clients/typescript` first\n');
  process.exit(2);
}

/** Generates the types of `specFile` into `out`. */
function generate(specFile: string, out: string): void {
  execFileSync(generator, [specFile, '--output', out], { cwd: client, stdio: ['ignore', 'ignore', 'inherit'] });
}

const specFile = path.join(client, 'openapi.json');
const schemaFile = path.join(client, 'src', 'schema.d.ts');
if (args.includes('--check')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'accrue-client-'));
  writeFileSync(path.join(dir, 'openapi.json'), spec);
  generate(path.join(dir, 'openapi.json'), path.join(dir, 'schema.d.ts'));
  const stale = [
    [specFile, spec],
    [schemaFile, readFileSync(path.join(dir, 'schema.d.ts'), 'utf8')],
  ].filter(([file, want]) => !existsSync(file!) || readFileSync(file!, 'utf8') !== want);
  if (stale.length > 0) {
    process.stderr.write(`stale: ${stale.map(([f]) => path.relative(root, f!)).join(', ')}; run \`npm run client:generate\` and commit the result\n`);
    process.exit(1);
  }
  process.stdout.write('clients/typescript is generated from the current API\n');
} else {
  writeFileSync(specFile, spec);
  generate(specFile, schemaFile);
  process.stdout.write(`wrote ${path.relative(root, specFile)} and ${path.relative(root, schemaFile)}\n`);
}
