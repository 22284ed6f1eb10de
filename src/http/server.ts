// The server starter lives in src/lib/serveHttp.ts (src/health uses it too, and sits
// below src/http); kept here for the entry points that import it from the HTTP layer.
export { startApiServer, type FetchApp, type RunningServer } from '../lib/serveHttp.ts';
