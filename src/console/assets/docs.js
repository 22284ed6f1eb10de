// Starts the API reference (Scalar's standalone bundle, served by accrue from its
// own node_modules) on /openapi.json. Nothing is fetched from anywhere else: the
// page's CSP allows requests to this server only, docs.css swaps the bundle's
// default fonts (hosted by Scalar) for the system's, and the features that call
// Scalar's services (AI agent, MCP, the hosted API client) are off.
// (The element is #reference with data-openapi: the bundle mounts itself, with its
// default configuration, on #api-reference or on an element with data-spec-url.)
const root = document.getElementById('reference');
globalThis.Scalar.createApiReference(root, {
  url: root.dataset.openapi,
  withDefaultFonts: false,
  defaultOpenAllTags: true,
  hideClientButton: true,
  hideTestRequestButton: true,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
});
