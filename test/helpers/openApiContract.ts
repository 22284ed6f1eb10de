import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// Holds an answer to what /openapi.json promises for its operation: a documented
// status, a documented media type, a body valid against that media type's schema,
// the headers marked required, and no contract header (ETag, Location,
// Idempotent-Replayed, X-Correlation-Id) the document does not mention. Ajv reads
// the document's own schemas (OpenAPI 3.1 = JSON Schema 2020-12), so a route whose
// handler and createRoute() drift apart fails the test that called it.

type Schema = Record<string, unknown>;
type Header = { required?: boolean; $ref?: string };
type Response = { headers?: Record<string, Header>; content?: Record<string, { schema?: Schema }> };
type Operation = { operationId?: string; responses: Record<string, Response> };
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components?: Record<string, Record<string, unknown>> };

/** Headers whose presence is part of the contract: sent only where documented. */
const CONTRACT_HEADERS = ['etag', 'location', 'idempotent-replayed', 'x-correlation-id'];

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export type Contract = {
  /** The problems of one answer; empty when it is what the document promises (or the path is not in it). */
  check(answer: { method: string; path: string; status: number; headers: Headers; text: string }): string[];
};

export function openApiContract(doc: OpenApiDocument): Contract {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<Schema, ValidateFunction>();
  const validatorOf = (schema: Schema) => {
    let v = validators.get(schema);
    // The components ride along so that '#/components/schemas/X' resolves inside the compiled schema.
    if (!v) validators.set(schema, (v = ajv.compile({ ...schema, components: doc.components ?? {} })));
    return v;
  };
  const routes = Object.entries(doc.paths).map(([template, item]) => ({
    template,
    item,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const header = (h: Header): Header => {
    if (!h.$ref) return h;
    const name = h.$ref.replace('#/components/headers/', '');
    return (doc.components?.headers?.[name] as Header | undefined) ?? {};
  };

  return {
    check({ method, path, status, headers, text }) {
      const pathname = path.split('?')[0]!;
      const route = routes.find((r) => r.pattern.test(pathname));
      const operation = route?.item[method.toLowerCase()];
      if (!route || !operation) return [];
      const where = `${method.toUpperCase()} ${route.template} → ${status}`;
      const response = operation.responses[String(status)] ?? operation.responses.default;
      if (!response) return [`${where}: status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
      const problems: string[] = [];
      const documented = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, h]) => [k.toLowerCase(), header(h)]));
      for (const [name, h] of Object.entries(documented)) {
        if (h.required && !headers.has(name)) problems.push(`${where}: required header ${name} missing`);
      }
      for (const name of CONTRACT_HEADERS) {
        if (headers.has(name) && !documented[name]) problems.push(`${where}: sends ${name}, which the document does not mention`);
      }
      const content = response.content ?? {};
      if (Object.keys(content).length === 0) {
        if (text !== '') problems.push(`${where}: answers a body where the document says none`);
        return problems;
      }
      const mediaType = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const media = content[mediaType];
      if (!media) return [...problems, `${where}: content-type ${mediaType || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`];
      if (!media.schema) return problems;
      let body: unknown = text;
      if (mediaType.endsWith('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          return [...problems, `${where}: ${mediaType} body is not JSON`];
        }
      }
      const validate = validatorOf(media.schema);
      if (!validate(body)) {
        for (const e of validate.errors ?? []) problems.push(`${where}: body${e.instancePath || ''} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`);
      }
      return problems;
    },
  };
}
