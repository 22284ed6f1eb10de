import { z } from 'zod';

// The scope names live with the events because ApiKeyCreated stores them; src/auth
// (above the events) re-exports them and holds what a scope allows.

/** Every scope a key can hold. `admin` implies all the others. */
export const SCOPES = ['invoices:read', 'invoices:write', 'events:read', 'events:write', 'reports:read', 'webhooks:manage', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);
