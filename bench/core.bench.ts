// The shared core's hot paths, per operation: run with `npm run bench`. Figures are for comparing changes on
// one machine (ratios between runs), not absolute targets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyParticipants,
  decideMatch,
  normalizeCompanyName,
  normalizePhone,
  parseSummaryPayload,
  renderNote,
  type MeetingSummary,
  type PersonCandidate,
} from '../src/core';
import { machineLine, markdownTable, writeReport } from './benchReport';
import { measure, printTable } from './measure';

const fixtures = join(__dirname, '..', '..', 'test', 'fixtures');
const load = (name: string): unknown => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8'));
const parsed = (payload: unknown): MeetingSummary => {
  const result = parseSummaryPayload(payload);
  if (!result.ok) throw new Error('fixture is invalid');
  return result.summary;
};

const meeting = load('meeting-with-colleagues');
const longMeeting = parsed(load('long-summary'));
const phones = ['070-123 45 67', '+46 (0)76 111 22 33', '08-123 456 78 ankn. 123', '0047 41234567', 'mobil 0701234567'];
const companies = ['Acme AB', 'Oy Karl Fazer Ab', 'Ærø Demo ApS', 'ACME, Inc.', 'Fjordkraft Demo AS'];

const summary = parsed(meeting);
const [anna] = classifyParticipants(summary, { defaultRegion: 'SE' }).external;
if (!anna) throw new Error('fixture has no external participant');
const candidates = (count: number): PersonCandidate[] =>
  Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    email: `person.${i}@acme.se`,
    mobilePhone: `070-${String(1000000 + i).slice(0, 3)} ${String(i % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')}`,
    phone: `08-555 ${String(i).padStart(3, '0')} 00`,
    companyId: 17,
    updatedAt: '2026-01-01T00:00:00Z',
  }));
const ten = candidates(10);
const hundred = candidates(100);

const rows = [
  measure('parseSummaryPayload (6 participants)', () => parseSummaryPayload(meeting), 20_000),
  measure('normalizePhone (mixed Nordic forms)', (i) => normalizePhone(phones[i % phones.length] ?? '', 'SE'), 50_000),
  measure('normalizeCompanyName', (i) => normalizeCompanyName(companies[i % companies.length] ?? ''), 100_000),
  measure(
    'classifyParticipants (6 participants)',
    () => classifyParticipants(summary, { defaultRegion: 'SE' }),
    20_000,
  ),
  measure('decideMatch, 10 candidates', () => decideMatch(anna, { persons: ten }, { defaultRegion: 'SE' }), 5_000),
  measure('decideMatch, 100 candidates', () => decideMatch(anna, { persons: hundred }, { defaultRegion: 'SE' }), 1_000),
  measure('renderNote (12,000-char summary → 4000)', () => renderNote(longMeeting), 5_000),
];
printTable(rows);
writeReport(
  'core',
  [
    '### Core hot paths (per operation, for comparing changes on one machine)',
    '',
    markdownTable(
      ['operation', 'ops/s', 'p50 µs', 'p99 µs'],
      rows.map((row) => [row.name, row.opsPerSecond, row.p50Micros, row.p99Micros]),
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n'),
  rows,
);
