import { CommanderError } from 'commander';
import { NotFoundError, ValidationError } from '../errors.ts';
import { DatabaseUnreachableError, StoppedWhileWaitingError, isDatabaseUnreachable } from '../runtime/waitForDatabase.ts';

export type Failure = { exitCode: number; message?: string };

/** Exit codes: 2 for a mistake in how accrue was called or configured, 1 for a failure while it ran. */
export const EXIT_USAGE = 2;
export const EXIT_RUNTIME = 1;

// SQLSTATEs that mean the settings name a role, password or database that is not
// there: a configuration mistake, not an outage.
const CONFIG_SQLSTATES = new Set(['28000', '28P01', '3D000']);

type SystemError = Error & { code?: string; syscall?: string; path?: string; port?: number; address?: string; severity?: string };

/**
 * What the CLI says when a command fails: one line for the user's usual mistakes
 * (configuration, database address, role or database name, port in use, bad
 * argument, path), the error's own first line otherwise. The stack is for --debug.
 * Exit 2 (EXIT_USAGE) for what the user must change in the command or its settings,
 * 1 (EXIT_RUNTIME) for what went wrong while running (database down, port taken...).
 */
export function describeError(err: unknown): Failure {
  if (err instanceof StoppedWhileWaitingError) return { exitCode: 0 };
  // Commander printed its own line (unknown option, missing argument) or the help/version.
  if (err instanceof CommanderError) return { exitCode: err.exitCode === 0 ? 0 : EXIT_USAGE };
  if (!(err instanceof Error)) return { exitCode: EXIT_RUNTIME, message: String(err) };
  const e = err as SystemError;
  if (err instanceof ValidationError) return { exitCode: EXIT_USAGE, message: firstLine(err.message) };
  if (err instanceof NotFoundError || err instanceof DatabaseUnreachableError) {
    return { exitCode: EXIT_RUNTIME, message: firstLine(err.message) };
  }
  // Postgres answered with an error (SQLSTATE): unknown role (28000), wrong password
  // (28P01), missing database (3D000), permission denied (42501)... its text says which.
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity) {
    if (CONFIG_SQLSTATES.has(e.code)) {
      return { exitCode: EXIT_USAGE, message: `database refused: ${firstLine(err.message)} (SQLSTATE ${e.code}); check DATABASE_URL` };
    }
    return { exitCode: EXIT_RUNTIME, message: `database refused: ${firstLine(err.message)} (SQLSTATE ${e.code})` };
  }
  if (e.code === 'EADDRINUSE') return { exitCode: 1, message: `port ${e.port ?? ''} is already in use (PORT for the API, ACCRUE_OPS_PORT for health and metrics)` };
  if (e.code === 'EACCES' && e.syscall === 'listen') return { exitCode: 1, message: `not allowed to listen on port ${e.port ?? ''} (ports below 1024 need privileges)` };
  if (isDatabaseUnreachable(err)) return { exitCode: 1, message: `database unreachable (${e.code ?? firstLine(err.message)})` };
  if (e.path && e.code && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM', 'EROFS'].includes(e.code)) {
    const what = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory', EROFS: 'read-only file system' }[e.code];
    return { exitCode: EXIT_USAGE, message: `${e.path}: ${what}` };
  }
  return { exitCode: 1, message: firstLine(err.message) || err.name };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
