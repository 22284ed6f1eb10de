import pino, { type DestinationStream, type Logger } from 'pino';
import { traceMixin } from './logContext.ts';

export type { Logger };

// Authorization headers and tokens never reach a log line. Paths catch secrets
// logged as fields; scrubSecrets() below catches them inside messages and error
// texts, where no path can reach.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  'bootstrapToken',
  'ACCRUE_BOOTSTRAP_TOKEN',
  '*.ACCRUE_BOOTSTRAP_TOKEN',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

const CENSOR = '[redacted]';
// RFC 6750 b64token after "Bearer" (any case), as it appears in a header echoed into a message.
const BEARER = /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const knownSecrets = new Set<string>();

/**
 * Registers a secret value (the bootstrap token, a key just created) so that no
 * log line ever contains it, wherever it appears. Values under 8 characters are
 * ignored: scrubbing them would mangle ordinary words.
 */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) knownSecrets.add(value);
}

/** Last line of defence, run on each serialised line before it is written. */
export function scrubSecrets(line: string): string {
  let out = line.replace(BEARER, `$1 ${CENSOR}`);
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(CENSOR);
    // The same secret JSON-escaped, as it appears inside a serialised string.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(CENSOR);
  }
  return out;
}

export type LoggerOptions = {
  level?: string;
  pretty?: boolean;
  name?: string;
  /** Write here instead of stdout (tests, files); never pretty. */
  destination?: DestinationStream;
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = !options.destination && (options.pretty ?? process.stdout.isTTY);
  const settings = {
    name: options.name ?? 'accrue',
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: CENSOR },
    mixin: traceMixin,
    hooks: { streamWrite: scrubSecrets },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export const silentLogger: Logger = pino({ level: 'silent' });
