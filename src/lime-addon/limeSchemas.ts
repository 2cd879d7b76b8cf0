import { z } from 'zod';
import { CrmError } from '../crm/crmError';

// Shapes of Lime's REST answers (shared/specs/lime-rest-api.md §2–§4). Loose objects: Lime adds properties per
// installation, and we read only what we need.

/** One limeobject as the limeobject API returns it (POST/PUT answers included). */
export const limeObjectSchema = z.looseObject({
  _id: z.number().int(),
  _timestamp: z.string().optional(),
});

/** The Query API's answer: `{ objects: [...] }`, each shaped by the request's responseFormat. */
export const queryResponseSchema = z.looseObject({
  objects: z.array(z.record(z.string(), z.unknown())),
});

export const limeOptionSchema = z.looseObject({
  key: z.string(),
  text: z.string().nullish(),
  inactive: z.boolean().nullish(),
});

export const limePropertySchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  required: z.boolean().nullish(),
  length: z.number().int().nullish(),
  options: z.array(limeOptionSchema).nullish(),
  _links: z.looseObject({ related_type: z.looseObject({ name: z.string() }).nullish() }).nullish(),
});

const aclSchema = z.looseObject({
  read: z.boolean().nullish(),
  create: z.boolean().nullish(),
  update: z.boolean().nullish(),
  delete: z.boolean().nullish(),
});

/** `GET limetype/{name}/?_embed=properties`. `acl` is [inferred] (spec §4.2) and optional. */
export const limetypeSchema = z.looseObject({
  name: z.string(),
  acl: aclSchema.nullish(),
  _embedded: z.looseObject({ properties: z.array(limePropertySchema) }),
});

export type LimeProperty = z.infer<typeof limePropertySchema>;
export type Limetype = z.infer<typeof limetypeSchema>;

/** Parses a Lime answer, or fails with `bad_response` naming where the shape differed (no values quoted). */
export function parseLime<T>(schema: z.ZodType<T>, json: unknown, operation: string): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
  throw new CrmError('bad_response', `Lime's answer to ${operation} has an unexpected shape (${where})`, {
    operation,
  });
}
