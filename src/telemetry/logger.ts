import pino, { type DestinationStream, type Logger } from 'pino';
import { traceMixin } from './logContext.ts';

export type { Logger };

// Authorization headers and tokens never reach a log line. Paths catch secrets
// logged as fields; scrubSecrets() below catches them inside messages and error
// texts, where no path can reach. A key in SECRET_KEYS is censored at the top of a
// line and one level down (what pino's `*.key` paths did: redactSecretFields below).
const SECRET_KEYS = ['authorization', 'Authorization', 'token', 'apiToken', 'ACCRUE_BOOTSTRAP_TOKEN', 'password', 'secret'] as const;
// No `*.` paths here: pino runs a wildcard path's redactor on every field of every line.
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'bootstrapToken',
  ...SECRET_KEYS,
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

/**
 * pino `formatters.log`, and a child logger's bindings (createLogger): censors SECRET_KEYS
 * one level down in a line's object fields, as pino's `*.key` redaction paths
 * did. Those paths made pino run a redactor on every field of every line, strings and
 * numbers included (~19 µs of ~24 µs a request's access line cost); this looks only
 * into object fields and copies one only when it holds a secret (the caller's object is
 * left as it was; an Error keeps its prototype, message and stack for the serializer).
 */
function copyOf(value: object): Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value)) as Record<string, unknown>;
  // V8's `stack` accessor reads the original's own slot: carry the text itself.
  if (value instanceof Error) Object.defineProperty(copy, 'stack', { value: value.stack, writable: true, configurable: true });
  return copy;
}

export function redactSecretFields<T extends Record<string, unknown>>(obj: T): T {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    if (value === null || typeof value !== 'object') continue;
    let copy: Record<string, unknown> | undefined;
    for (const secret of SECRET_KEYS) {
      if (!Object.hasOwn(value, secret)) continue;
      copy ??= copyOf(value);
      Object.defineProperty(copy, secret, { value: CENSOR, enumerable: true, writable: true, configurable: true });
    }
    if (copy) (out ??= { ...obj })[key] = copy;
  }
  return (out ?? obj) as T;
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
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    formatters: { log: redactSecretFields },
    mixin: traceMixin,
    hooks: { streamWrite: scrubSecrets },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  const logger = options.destination ? pino(settings, options.destination) : pino(settings);
  // pino gives children no bindings formatter: their bindings are censored on the way
  // in (children are made from their parent, so each inherits this `child`).
  type Child = (this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => Logger;
  const child = logger.child as unknown as Child;
  const censoredChild: Child = function (bindings, childOptions) {
    return child.call(this, redactSecretFields(bindings), childOptions);
  };
  logger.child = censoredChild as unknown as Logger['child'];
  return logger;
}

export const silentLogger: Logger = pino({ level: 'silent' });
