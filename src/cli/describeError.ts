import { NotFoundError, ValidationError } from '../errors.ts';
import { DatabaseUnreachableError, StoppedWhileWaitingError, isDatabaseUnreachable } from '../runtime/waitForDatabase.ts';

export type Failure = { exitCode: number; message?: string };

type SystemError = Error & { code?: string; syscall?: string; path?: string; port?: number; address?: string; severity?: string };

/**
 * What the CLI says when a command fails: one line for the user's usual mistakes
 * (configuration, database address, role or database name, port in use, bad
 * argument, path), the error's own first line otherwise. The stack is for --debug.
 */
export function describeError(err: unknown): Failure {
  if (err instanceof StoppedWhileWaitingError) return { exitCode: 0 };
  if (!(err instanceof Error)) return { exitCode: 1, message: String(err) };
  const e = err as SystemError;
  if (err instanceof ValidationError || err instanceof NotFoundError || err instanceof DatabaseUnreachableError) {
    return { exitCode: 1, message: firstLine(err.message) };
  }
  // Postgres answered with an error (SQLSTATE): unknown role (28000), wrong password
  // (28P01), missing database (3D000), permission denied (42501)... its text says which.
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity) {
    return { exitCode: 1, message: `database refused: ${firstLine(err.message)} (SQLSTATE ${e.code})` };
  }
  if (e.code === 'EADDRINUSE') return { exitCode: 1, message: `port ${e.port ?? ''} is already in use (PORT for the API, ACCRUE_OPS_PORT for health and metrics)` };
  if (e.code === 'EACCES' && e.syscall === 'listen') return { exitCode: 1, message: `not allowed to listen on port ${e.port ?? ''} (ports below 1024 need privileges)` };
  if (isDatabaseUnreachable(err)) return { exitCode: 1, message: `database unreachable (${e.code ?? firstLine(err.message)})` };
  if (e.path && e.code && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM', 'EROFS'].includes(e.code)) {
    const what = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory', EROFS: 'read-only file system' }[e.code];
    return { exitCode: 1, message: `${e.path}: ${what}` };
  }
  return { exitCode: 1, message: firstLine(err.message) || err.name };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
