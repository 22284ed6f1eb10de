import { z } from 'zod';

// The only reader of process.env. Every setting, its default and its meaning
// is here; README's config table is written from this file.
const boolFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  // Unset: start embedded Postgres with data under ACCRUE_DATA_DIR.
  DATABASE_URL: z.string().url().optional(),
  ACCRUE_DATA_DIR: z.string().default('.data'),
  ACCRUE_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  ACCRUE_DB_POOL_MAX: z.coerce.number().int().min(1).default(10),
  ACCRUE_BOOTSTRAP_TOKEN: z.string().min(16).optional(),
  ACCRUE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCRUE_LOG_PRETTY: boolFromEnv.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  CI: boolFromEnv.optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  return parsed.data;
}
