// Writes the published JSON Schema of the inbound payload to docs/, from the zod schema that enforces it.
// `npm run schema` after changing src/core/summaryPayload.ts; a unit test fails while the two differ.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryPayloadJsonSchema } from '../src/core';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'docs', 'summary-payload.schema.json');

writeFileSync(SCHEMA_FILE, `${JSON.stringify(summaryPayloadJsonSchema(), null, 2)}\n`);
console.log(`wrote ${SCHEMA_FILE}`);
