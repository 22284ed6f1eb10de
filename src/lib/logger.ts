import pino, { type Logger } from 'pino';

export type { Logger };

// Authorization headers and tokens never reach a log line.
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'password',
  '*.password',
];

export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY;
  return pino({
    name: options.name ?? 'accrue',
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
