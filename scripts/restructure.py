#!/usr/bin/env python3
"""Move src/ and test/ into the tree that reads as the data flow, and keep every path resolving.

Run at the repository root:  python3 scripts/restructure.py [--dry-run]

1. Every file under src/ and test/ (tracked or new, not ignored) is placed by the
   MOVES table below: an exact file entry wins, else the longest folder entry
   ("src/ops/") that contains it, so a file added later to a moved folder moves
   with its folder. A file that already sits where a rule puts things is left alone,
   so a second run moves nothing. An entry whose source no longer exists is skipped
   with a warning.
2. Before moving, every relative path in code (import/export specifiers, import(),
   vi.mock, new URL(..., import.meta.url), path.resolve/join literals), every
   root-relative 'src/...', 'test/...' literal, every src/... or test/... path
   mentioned in markdown, comments or config, and every mention of a moved src/ file
   without its prefix ("queues/startBoss.ts") is rewritten from the old tree to the
   new one. Only paths that name an existing file or moved folder are touched.
3. Files move with `git mv` (untracked ones with a plain rename), empty folders go,
   src/README.md is regenerated from FOLDERS, and package.json gains the
   test:unit / test:db scripts if missing.
4. A summary is printed.

Python 3 standard library only; no state is kept between runs.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict

# ----------------------------------------------------------------------------------
# Mapping: old path -> new path. A trailing "/" marks a folder (everything inside,
# including files added later). Exact file entries win over folder entries; among
# folder entries the longest source wins. Entries for files that other branches add
# (marked "if present") are harmless when the file is absent.
# ----------------------------------------------------------------------------------
MOVES: list[tuple[str, str]] = [
    # values: small value types and bounds every layer uses
    ('src/lib/', 'src/values/'),
    ('src/lib/dates.ts', 'src/values/dates.ts'),
    ('src/lib/currencies.ts', 'src/values/currencies.ts'),
    ('src/lib/backoff.ts', 'src/db/backoff.ts'),  # the reconnect/retry backoff of the database loops
    ('src/limits.ts', 'src/values/limits.ts'),
    # telemetry: the logger joins logs, metrics and traces
    ('src/lib/logger.ts', 'src/telemetry/logger.ts'),
    ('src/lib/serveHttp.ts', 'src/http/serveHttp.ts'),  # if present (t11-errors)
    # db: the database's own role check joins the connection and migrations
    ('src/ops/databaseRole.ts', 'src/db/databaseRole.ts'),
    # invoices (write side): customers, period close and event imports are commands
    # beside the invoice ones
    ('src/customers/', 'src/invoices/'),
    ('src/periods/', 'src/invoices/'),
    ('src/imports/', 'src/invoices/imports/'),
    # bus (moving): the subscriber contract, queues, relay, worker, archive, breaker
    ('src/bus/', 'src/bus/contract/'),
    ('src/bus/registeredSubscribers.ts', 'src/runtime/registeredSubscribers.ts'),
    ('src/worker/jobFailure.ts', 'src/bus/contract/jobFailure.ts'),
    ('src/queues/', 'src/bus/queues/'),
    ('src/relay/', 'src/bus/relay/'),
    ('src/worker/', 'src/bus/worker/'),
    ('src/archive/', 'src/bus/archive/'),
    ('src/breaker/', 'src/bus/breaker/'),
    ('src/ops/', 'src/bus/operator/'),
    # subscribers: revenue carries its ledger; the overdue schedule is run by the worker
    ('src/revenue/', 'src/subscribers/revenue/'),
    ('src/ledger/', 'src/subscribers/revenue/ledger/'),
    ('src/schedules/', 'src/subscribers/schedules/'),
    # reading
    ('src/audit/', 'src/reports/audit/'),
    # http: its health/ops server and the idempotency keys of its commands
    ('src/health/', 'src/http/health/'),
    ('src/idempotency/', 'src/http/'),
    # cli: the scenario runner behind `accrue scenarios`
    ('src/scenarios/', 'src/cli/scenarios/'),

    # ---- tests: test/ mirrors src/; pure tests are named *.unit.test.ts ----
    ('test/unit/decideInvoice.test.ts', 'test/invoices/decideInvoice.unit.test.ts'),
    ('test/unit/invoiceBounds.test.ts', 'test/invoices/invoiceBounds.unit.test.ts'),
    ('test/unit/breakerState.test.ts', 'test/bus/breaker/breakerState.unit.test.ts'),
    ('test/unit/databaseRoles.test.ts', 'test/db/databaseRoles.unit.test.ts'),
    ('test/unit/jsonBody.test.ts', 'test/http/jsonBody.unit.test.ts'),
    ('test/unit/keyExpiry.test.ts', 'test/auth/keyExpiry.unit.test.ts'),
    ('test/unit/renderNotification.test.ts', 'test/subscribers/notifications/renderNotification.unit.test.ts'),
    ('test/unit/webhookSignature.test.ts', 'test/subscribers/webhooks/webhookSignature.unit.test.ts'),
    ('test/unit/problem.test.ts', 'test/http/problem.unit.test.ts'),  # if present (t11-errors)
    ('test/unit/accountColumns.test.ts', 'test/subscribers/revenue/accountColumns.unit.test.ts'),  # if present (t11-rules)
    ('test/revenue/', 'test/subscribers/revenue/'),
    ('test/revenue/postingRules.test.ts', 'test/subscribers/revenue/postingRules.unit.test.ts'),
    ('test/revenue/postingProperties.test.ts', 'test/subscribers/revenue/postingProperties.unit.test.ts'),
    ('test/audit/', 'test/reports/audit/'),
    ('test/health/', 'test/http/health/'),
    ('test/scenarios/', 'test/cli/scenarios/'),
    ('test/deploy/composeFile.test.ts', 'test/deploy/composeFile.unit.test.ts'),
    ('test/telemetry/logContext.test.ts', 'test/telemetry/logContext.unit.test.ts'),
    ('test/telemetry/otelMetricsExport.test.ts', 'test/telemetry/otelMetricsExport.unit.test.ts'),
    ('test/bus/archive.test.ts', 'test/bus/archive/archive.test.ts'),
    ('test/bus/archiveFailure.test.ts', 'test/bus/archive/archiveFailure.test.ts'),
    ('test/bus/archiveQuery.test.ts', 'test/bus/archive/archiveQuery.unit.test.ts'),
    ('test/bus/dispatchEvent.test.ts', 'test/bus/contract/dispatchEvent.unit.test.ts'),
    ('test/bus/refuseEvent.test.ts', 'test/bus/contract/refuseEvent.test.ts'),
    ('test/bus/routes.test.ts', 'test/bus/relay/routes.unit.test.ts'),
    ('test/bus/relay.test.ts', 'test/bus/relay/relay.test.ts'),
    ('test/bus/staleRelay.test.ts', 'test/bus/relay/staleRelay.test.ts'),
    ('test/bus/queuePolicy.test.ts', 'test/bus/queues/queuePolicy.test.ts'),
    ('test/bus/batchFailure.test.ts', 'test/bus/worker/batchFailure.test.ts'),
    ('test/bus/batchLockOrder.test.ts', 'test/bus/worker/batchLockOrder.test.ts'),
    ('test/bus/crash.test.ts', 'test/bus/worker/crash.test.ts'),
    ('test/bus/defer.test.ts', 'test/bus/worker/defer.test.ts'),
    ('test/bus/handleBatch.test.ts', 'test/bus/worker/handleBatch.test.ts'),
    ('test/bus/rebuild.test.ts', 'test/bus/operator/rebuild.test.ts'),
    ('test/bus/schedules.test.ts', 'test/bus/worker/schedules.test.ts'),
    ('test/integration/api/', 'test/http/'),
    ('test/integration/analytics.test.ts', 'test/subscribers/analytics/analytics.test.ts'),
    ('test/integration/analyticsCommand.test.ts', 'test/cli/analyticsCommand.test.ts'),
    ('test/integration/apiKeyCommand.test.ts', 'test/cli/apiKeyCommand.test.ts'),
    ('test/integration/circuitBreaker.test.ts', 'test/bus/breaker/circuitBreaker.test.ts'),
    ('test/integration/eventStore.test.ts', 'test/events/eventStore.test.ts'),
    ('test/integration/leastPrivilege.test.ts', 'test/db/leastPrivilege.test.ts'),
    ('test/integration/notificationWebhookSigning.test.ts', 'test/subscribers/notifications/notificationWebhookSigning.test.ts'),
    ('test/integration/notifications.test.ts', 'test/subscribers/notifications/notifications.test.ts'),
    ('test/integration/notificationsOnce.test.ts', 'test/subscribers/notifications/notificationsOnce.test.ts'),
    ('test/integration/overdueDetection.test.ts', 'test/subscribers/schedules/overdueDetection.test.ts'),
    ('test/integration/slowWebhooks.test.ts', 'test/subscribers/webhooks/slowWebhooks.test.ts'),
    ('test/integration/webhooks.test.ts', 'test/subscribers/webhooks/webhooks.test.ts'),
]

# One line per folder of the new src/ tree, written to src/README.md.
FOLDERS: list[tuple[str, str]] = [
    ('errors.ts', 'the error classes with their codes (mapped to problem+json in http/problem.ts)'),
    ('values/', 'value types and bounds every layer uses: dates, currencies, limits, the webhook-secret format'),
    ('telemetry/', 'logger, metrics, traces and the names they share'),
    ('db/', 'connection, migrations, table types, the embedded Postgres, database roles, the backoff of database loops'),
    ('events/', 'the event contract (zod schemas, envelope, upcasters) and the one append path into events + outbox'),
    ('config.ts', 'the one reader of process.env: every setting, validated at start (against event types and the webhook-secret format)'),
    ('auth/', 'API keys, scopes and the local token: who may call'),
    ('invoices/', 'write side: invoice, customer and period-close commands, and event imports (imports/)'),
    ('bus/', 'moving events: contract/ (what a subscriber is and may signal), queues/, relay/ (outbox to queues), worker/, archive/ (dead letters), breaker/, operator/ (status, scrape sources, rebuild)'),
    ('subscribers/', 'what reacts to events: revenue/ (with its ledger/), notifications/, analytics/, webhooks/, schedules/ (overdue detection)'),
    ('reports/', 'reading the books: trial balance, waterfall, ledger view, invoice book; audit/ (the invoice audit trail)'),
    ('http/', 'the API: app, middleware, routes, problem+json, idempotency keys; health/ (health, readiness and the ops server)'),
    ('runtime/', 'composition: database start, the registered subscribers, API and service start, shutdown'),
    ('cli/', 'the accrue command: main.ts, commands/, and scenarios/ (the scenario runner)'),
]

CODE_EXT = ('.ts', '.js', '.mjs', '.cjs', '.mts')
TEXT_EXT = CODE_EXT + ('.md', '.json', '.yml', '.yaml', '.sh')
SCAN_ROOTS = ['src', 'test', 'bench', 'scripts', 'docs', 'bin', '.ci']
SCAN_FILES = ['README.md', 'vitest.config.ts', 'package.json', 'tsconfig.json', 'Dockerfile',
              'docker-compose.yml', '.dockerignore']
SELF = 'scripts/restructure.py'


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def list_files() -> tuple[list[str], set[str]]:
    tracked = set(sh('git', 'ls-files', '-z').split('\0')) - {''}
    others = set(sh('git', 'ls-files', '-z', '--others', '--exclude-standard').split('\0')) - {''}
    files = sorted(f for f in tracked | others if os.path.isfile(f))
    return files, tracked


def destinations() -> tuple[dict[str, str], list[tuple[str, str]]]:
    file_rules = {s: d for s, d in MOVES if not s.endswith('/')}
    folder_rules = sorted(((s, d) for s, d in MOVES if s.endswith('/')), key=lambda r: -len(r[0]))
    return file_rules, folder_rules


def already_placed(path: str) -> bool:
    """A file that sits where a rule puts things (more specifically than any rule that
    would move it) was placed by an earlier run, or added there since: leave it."""
    if any(path == d for _, d in MOVES):
        return True
    dest = max((len(d) for _, d in MOVES if d.endswith('/') and path.startswith(d)), default=-1)
    src = max((len(s) for s, _ in MOVES if s.endswith('/') and path.startswith(s)), default=-1)
    return dest > src


def place(path: str, file_rules: dict[str, str], folder_rules: list[tuple[str, str]]) -> str:
    if path in file_rules:
        return file_rules[path]
    if already_placed(path):
        return path
    for s, d in folder_rules:
        if path.startswith(s):
            return d + path[len(s):]
    return path


def main() -> int:
    dry = '--dry-run' in sys.argv
    if not os.path.isdir('.git') and not os.path.isfile('.git'):
        print('run at the repository root', file=sys.stderr)
        return 2
    files, tracked = list_files()
    file_set = set(files)
    file_rules, folder_rules = destinations()

    warnings: list[str] = []
    for s, _ in MOVES:
        exists = any(f.startswith(s) for f in files) if s.endswith('/') else s in file_set
        if not exists:
            warnings.append(f'skipped (not found): {s}')

    moved: dict[str, str] = {}
    for f in files:
        if f.startswith(('src/', 'test/')):
            n = place(f, file_rules, folder_rules)
            if n != f:
                if n in file_set and n not in moved:
                    warnings.append(f'not moved, destination exists: {f} -> {n}')
                    continue
                moved[f] = n

    def new_path(p: str) -> str:
        return moved.get(p, p)

    # Folders of the old tree -> folder of the new tree (when the whole folder lands in one place).
    old_dirs: set[str] = set()
    for f in files:
        parts = f.split('/')
        for i in range(1, len(parts)):
            old_dirs.add('/'.join(parts[:i]))
    dir_map: dict[str, str] = {}
    for d in old_dirs:
        targets = set()
        for f in files:
            if not f.startswith(d + '/'):
                continue
            rest = f[len(d) + 1:]
            nf = new_path(f)
            # the folder maps cleanly if every file keeps its path below it
            targets.add(nf[: -len(rest) - 1] if nf.endswith('/' + rest) else None)
        if len(targets) == 1 and None not in targets:
            dir_map[d] = targets.pop()
        else:
            dir_map[d] = d  # split folder: mentions stay as they are, unless a rule names it
    for s, dst in MOVES:  # a split folder that a rule moves: mentions go where its rule points
        d = s.rstrip('/')
        if s.endswith('/') and dir_map.get(d) == d and any(o.startswith(s) for o in moved):
            dir_map[d] = dst.rstrip('/')

    def map_repo_path(p: str) -> str | None:
        """Repo-relative path (file or folder, maybe with trailing /) -> new path, or None if unknown."""
        slash = p.endswith('/')
        q = os.path.normpath(p)
        if q in file_set:
            return new_path(q)
        if q in dir_map:
            return dir_map[q] + ('/' if slash else '')
        return None

    def rel(from_dir: str, target: str, slash: bool) -> str:
        r = os.path.relpath(target, from_dir or '.').replace(os.sep, '/')
        if not r.startswith('.'):
            r = './' + r
        return r + ('/' if slash and not r.endswith('/') else '')

    rel_literal = re.compile(r"""(['"`])(\.\.?/[^'"`\s]*)\1""")
    mention = re.compile(r"""(?<![\w./@-])((?:src|test)/[\w./-]*[\w/])""")
    short_mention = re.compile(r"""(?<![\w./@-])((?:[A-Za-z]\w*/)+\w+\.ts)\b""")
    md_link = re.compile(r"""(\]\()(\.\.?/[^)\s#]+)""")

    scan = []
    for f in files:
        if f == SELF or not (f.endswith(TEXT_EXT) or os.path.basename(f) in SCAN_FILES):
            continue
        if f in SCAN_FILES or f.split('/')[0] in SCAN_ROOTS:
            scan.append(f)

    rewrites: dict[str, str] = {}
    changed_refs = 0
    for f in scan:
        try:
            text = open(f, encoding='utf-8').read()
        except UnicodeDecodeError:
            continue
        old_dir = os.path.dirname(f)
        new_dir = os.path.dirname(new_path(f))
        count = 0

        def fix_rel(m: re.Match[str], group: int = 2) -> str:
            nonlocal count
            spec = m.group(group)
            target = os.path.normpath(os.path.join(old_dir, spec))
            mapped = map_repo_path(target + ('/' if spec.endswith('/') else ''))
            if mapped is None and (target == '.' or target.startswith('..') or os.path.exists(target)):
                # the repository root, a place outside it (../shared) or an untracked
                # path: the same place, seen from where the file now lives
                mapped = target
            if mapped is None:
                return m.group(0)
            out = rel(new_dir, mapped.rstrip('/'), spec.endswith('/'))
            if out == spec:
                return m.group(0)
            count += 1
            return m.group(0).replace(spec, out)

        def fix_root(m: re.Match[str]) -> str:
            nonlocal count
            p = m.group(1)
            mapped = map_repo_path(p)
            if mapped is None or mapped == p:
                return m.group(0)
            count += 1
            return m.group(0).replace(p, mapped)

        def fix_short(m: re.Match[str]) -> str:
            """A mention inside src/ without the prefix ("breaker/circuitBreaker.ts")."""
            nonlocal count
            p = 'src/' + m.group(1)
            if p not in moved:
                return m.group(0)
            count += 1
            return moved[p][len('src/'):]

        new = text
        if f.endswith(CODE_EXT):
            new = rel_literal.sub(fix_rel, new)
        if f.endswith('.md'):
            new = md_link.sub(fix_rel, new)
        new = mention.sub(fix_root, new)
        new = short_mention.sub(fix_short, new)
        if new != text:
            rewrites[f] = new
            changed_refs += count

    if dry:
        for o, n in sorted(moved.items()):
            print(f'move {o} -> {n}')
        for f in sorted(rewrites):
            print(f'rewrite {f}')
    else:
        for o, n in sorted(moved.items()):
            os.makedirs(os.path.dirname(n), exist_ok=True)
            if o in tracked:
                sh('git', 'mv', o, n)
            else:
                os.rename(o, n)
        for f, text in rewrites.items():
            with open(new_path(f), 'w', encoding='utf-8') as out:
                out.write(text)
        for root in ('src', 'test'):
            for d, _, _ in sorted(os.walk(root), key=lambda w: -len(w[0])):
                if os.path.isdir(d) and not os.listdir(d):
                    os.rmdir(d)
        write_src_readme()
        ensure_package_scripts()

    top = defaultdict(int)
    for f in files:
        if f.startswith('src/') and (f.count('/') > 1 or f.endswith('.ts')):
            top[new_path(f).split('/')[1]] += 1
    print(f'restructure: {len(moved)} files moved, {changed_refs} references rewritten in {len(rewrites)} files'
          + (' (dry run, nothing written)' if dry else ''))
    print(f'src/ top level: {len(top)} entries: {", ".join(sorted(top))}')
    for w in warnings:
        print(f'warning: {w}')
    return 0


def write_src_readme() -> None:
    lines = ['# src/', '', 'Read it in the order the data flows: a request is written (http → invoices → events',
             'and the outbox), moved (bus: relay → queues → worker), applied by subscribers, and read',
             '(reports). A folder imports only folders above it in this list (test/architecture/layering.test.ts).',
             '', '```']
    for name, what in FOLDERS:
        if os.path.exists(os.path.join('src', name)):
            lines.append(f'{name:<14} {what}')
    lines += ['```', '', 'Tests mirror this tree under test/; pure tests are named `*.unit.test.ts`',
              '(`npm run test:unit`, no database), the rest need Postgres (`npm run test:db`).', '']
    with open('src/README.md', 'w', encoding='utf-8') as out:
        out.write('\n'.join(lines))
    subprocess.run(['git', 'add', 'src/README.md'], check=False)


def ensure_package_scripts() -> None:
    with open('package.json', encoding='utf-8') as f:
        text = f.read()
    pkg = json.loads(text)
    scripts = pkg.setdefault('scripts', {})
    want = {'test:unit': 'vitest run --project unit', 'test:db': 'vitest run --project db'}
    if all(scripts.get(k) == v for k, v in want.items()):
        return
    out: dict[str, str] = {}
    for k, v in scripts.items():
        out[k] = v
        if k == 'test':
            out.update(want)
    out.update({k: v for k, v in want.items() if k not in out})
    pkg['scripts'] = out
    with open('package.json', 'w', encoding='utf-8') as f:
        f.write(json.dumps(pkg, indent=2, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    sys.exit(main())
