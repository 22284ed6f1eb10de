#!/usr/bin/env node
// The `accrue` command. Runs on the project's Node 24 (the `node` devDependency is
// first on PATH under npm/npx); the sources are TypeScript run by Node's type stripping.
import '../src/cli/main.ts';
