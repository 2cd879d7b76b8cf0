import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryPayloadJsonSchema } from '../../src/core';

describe('the published JSON Schema of the payload', () => {
  const schema = summaryPayloadJsonSchema() as {
    required?: string[];
    properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };

  it('docs/summary-payload.schema.json is the schema the code enforces (run `npm run schema` after a change)', () => {
    const published = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'docs', 'summary-payload.schema.json'), 'utf8'),
    );
    expect(published).toEqual(summaryPayloadJsonSchema());
  });

  it('names the required fields of the contract', () => {
    expect(schema.required).toEqual(expect.arrayContaining(['event', 'data']));
    const conversation = schema.properties['data']?.properties?.['conversation'] as { required: string[] };
    expect([...conversation.required].sort()).toEqual(['date', 'id', 'summary', 'title']);
  });

  it('allows extra properties, as senders may add fields', () => {
    expect(JSON.stringify(schema)).not.toContain('"additionalProperties":false');
  });
});
