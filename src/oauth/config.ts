// The per-server "oauth" key of mcp.json: `false` turns sign-in off for that server; an object
// tunes it (every field optional). Secrets arrive already interpolated (${VAR}).
import { z } from 'zod';

export interface OAuthSettings {
  /** A client registered by hand with the server's authorization server (pre-registration). */
  clientId?: string;
  clientSecret?: string;
  /** Scopes to ask for instead of what the server advertises (step-up still adds what it demands). */
  scopes?: string[];
  /** HTTPS URL of a Client ID Metadata Document, used as client_id where the server supports it. */
  clientMetadataUrl?: string;
  /** stdio mode and `auth login`: the loopback port the browser is redirected to (default: any free one). */
  redirectPort?: number;
}

const scope = z
  .string()
  .min(1, 'expected a non-empty scope')
  .refine((s) => !/\s/.test(s), 'a scope has no spaces; list each one as its own string');

const Settings = z
  .strictObject(
    {
      clientId: z.string().min(1, 'expected a non-empty client id').optional(),
      clientSecret: z.string().min(1, 'expected a non-empty secret').optional(),
      scopes: z.array(scope).optional(),
      clientMetadataUrl: z.string().refine(isMetadataDocumentUrl, 'expected an https: URL with a path, e.g. https://example.com/client.json').optional(),
      redirectPort: z.number().int('expected a whole port number').min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535').optional(),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}; expected clientId, clientSecret, scopes, clientMetadataUrl, redirectPort`
          : undefined,
    },
  )
  .refine((s) => s.clientSecret === undefined || s.clientId !== undefined, {
    message: 'clientSecret needs clientId (the client it belongs to)',
    path: ['clientSecret'],
  });

/**
 * `false`, or the settings object. Checked by hand rather than as a zod union, whose error would
 * hide which field inside the object is wrong.
 */
export const OAuthConfigSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (value === false) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected false or an object { clientId?, clientSecret?, scopes?, clientMetadataUrl?, redirectPort? }' });
      return;
    }
    const parsed = Settings.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  })
  .transform((value) => value as OAuthSettings | false);

/** CIMD client ids must be https URLs with a path (draft-ietf-oauth-client-id-metadata-document). */
export function isMetadataDocumentUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.pathname !== '/';
  } catch {
    return false;
  }
}
