import { connect } from '../db/connect.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { createApp } from './app.ts';
import { finishDocument, OPENAPI_CONFIG } from './openapi.ts';
import { operatorRoutes } from './routes/operatorRoutes.ts';

/**
 * The OpenAPI document `accrue api` serves at /openapi.json, built without a database
 * (the pool is never opened): what `npm run client:generate` and the spec lint read.
 */
export async function apiDocument(): Promise<Record<string, unknown>> {
  const handle = connect('postgres://unused@127.0.0.1:1/unused', { max: 1 });
  try {
    const app = createApp({ db: handle.db, log: silentLogger }, [
      operatorRoutes({ getBoss: () => Promise.reject(new Error('no bus while building the document')) }),
    ]);
    return finishDocument(app.getOpenAPI31Document(OPENAPI_CONFIG)) as unknown as Record<string, unknown>;
  } finally {
    await handle.close();
  }
}
