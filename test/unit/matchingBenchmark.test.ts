import {
  CASE_KIND_NAMES,
  generateMatchingDataSet,
  QUICK_SIZE,
  type LabelledParticipant,
} from '../../bench/matchingDataSet';
import { matchingReport } from '../../bench/matchingReport';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyParticipants } from '../../src/core';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { contactIndexEntries, runMatchingBenchmark, type MatchingBenchmark } from '../../bench/matchingRun';
import { judgeNote, precision, scoreMatcher, emptyTally, type Tally } from '../../bench/matchingScore';

/**
 * Case kinds where today's matching is known to note a wrong person on the quick set. `shared_mailbox`: two different
 * persons of one company hold the same e-mail (`info@…`); decideMatch treats them as duplicates of one human and
 * picks the most recently updated, which is the other person about half the time (the trace says "resolved
 * ambiguity"). Reported in bench/results/latest.md for a decision; when the policy changes, this list must change
 * with it (the test fails either way).
 */
const KNOWN_WRONG_KINDS = ['shared_mailbox'];

describe('the matching benchmark scorer', () => {
  const person = { kind: 'person', personIds: [7, 8], companyId: 100 } as const;
  const company = { kind: 'company', companyId: 100 } as const;
  const nobody = { kind: 'nobody' } as const;

  it.each([
    ['one of the human’s records at their company', 'right_person', person, { personId: 8, companyId: 100 }],
    ['another person of the same company', 'wrong_person', person, { personId: 9, companyId: 100 }],
    ['the right person filed under another company', 'wrong_company', person, { personId: 7, companyId: 101 }],
    ['the right company only, for a person in the CRM', 'right_company', person, { companyId: 100 }],
    ['the right company only, for a person not in the CRM', 'right_company', company, { companyId: 100 }],
    ['another company', 'wrong_company', company, { companyId: 101 }],
    ['any person, for a person not in the CRM', 'wrong_person', company, { personId: 7, companyId: 100 }],
    ['any company, for nobody', 'wrong_company', nobody, { companyId: 100 }],
    ['any person, for nobody', 'wrong_person', nobody, { personId: 7, companyId: 100 }],
    ['nothing written', 'nothing', person, undefined],
  ] as const)('%s → %s', (_, verdict, truth, note) => {
    expect(judgeNote(truth, note)).toBe(verdict);
  });

  it('counts a wrong note against precision and lists it with its case kind', () => {
    const participants: LabelledParticipant[] = [
      { kind: 'email_exact', participant: {}, truth: person },
      { kind: 'team_line', participant: {}, truth: person },
      { kind: 'unknown', participant: {}, truth: nobody },
    ];
    const score = scoreMatcher(participants, [
      { personId: 7, companyId: 100 },
      { personId: 9, companyId: 100 },
      undefined,
    ]);
    expect(score.overall).toMatchObject({ notes: 2, rightPerson: 1, wrong: 1, nothing: 1 });
    expect(precision(score.overall)).toBe(0.5);
    expect(score.wrong).toEqual([
      {
        participantIndex: 1,
        kind: 'team_line',
        verdict: 'wrong_person',
        noted: { personId: 9, companyId: 100 },
        truth: person,
      },
    ]);
    expect(precision(emptyTally())).toBeUndefined();
  });
});

describe('the matching benchmark on its quick set', () => {
  let run: MatchingBenchmark;
  beforeAll(async () => {
    run = await runMatchingBenchmark(QUICK_SIZE);
  });

  it('generates the same data set from the same seed, and another from another seed', () => {
    const again = generateMatchingDataSet(QUICK_SIZE);
    expect(again.participants).toEqual(run.dataSet.participants);
    expect(again.persons).toEqual(run.dataSet.persons);
    expect(generateMatchingDataSet(QUICK_SIZE, 20).participants).not.toEqual(run.dataSet.participants);
  });

  it('labels every participant with persons and companies the data set has, and covers every case kind', () => {
    const persons = new Map(run.dataSet.persons.map((entry) => [entry.id, entry]));
    const companies = new Set(run.dataSet.companies.map((entry) => entry.id));
    for (const { truth } of run.dataSet.participants) {
      if (truth.kind === 'nobody') continue;
      expect(companies.has(truth.companyId)).toBe(true);
      if (truth.kind === 'person') {
        for (const id of truth.personIds) expect(persons.get(id)?.companyId).toBe(truth.companyId);
      }
    }
    expect(new Set(run.dataSet.participants.map(({ kind }) => kind))).toEqual(new Set(CASE_KIND_NAMES));
  });

  it('a deliberately wrong label is caught: the participant’s note counts as a wrong person', () => {
    const position = run.product.notes.findIndex((note, index) => {
      const truth = run.dataSet.participants[index]?.truth;
      return (
        note?.personId !== undefined && truth?.kind === 'person' && truth.personIds.includes(Number(note.personId))
      );
    });
    const relabelled = run.dataSet.participants.map((participant, index) =>
      index === position
        ? { ...participant, truth: { kind: 'person' as const, personIds: [-1], companyId: -1 } }
        : participant,
    );
    const score = scoreMatcher(relabelled, run.product.notes);
    expect(score.overall.wrong).toBe(run.ours.overall.wrong + 1);
    expect(score.wrong.map(({ participantIndex }) => participantIndex)).toContain(position);
  });

  it('notes no wrong person or company: precision 100 % on every case kind but the known shared-mailbox tie-break', () => {
    const wrongKinds = [...new Set(run.ours.wrong.map(({ kind }) => kind))];
    expect(wrongKinds).toEqual(KNOWN_WRONG_KINDS);
    const others = [...run.ours.byKind].filter(([kind]) => !KNOWN_WRONG_KINDS.includes(kind));
    const notes = others.reduce((sum, [, tally]: [string, Tally]) => sum + tally.notes, 0);
    const wrong = others.reduce((sum, [, tally]: [string, Tally]) => sum + tally.wrong, 0);
    expect(notes).toBeGreaterThan(0);
    expect(wrong).toBe(0);
    expect(precision(run.baseline.overall)).toBe(1);
  });

  it('reports precision, recall and timings for ours and the e-mail-only baseline, every case kind, every wrong note', () => {
    const { markdown, data } = matchingReport(run, false);
    // bench/run.ts gathers the section into latest.md by this heading.
    expect(markdown.startsWith('### 11. Matching')).toBe(true);
    expect(markdown).toContain('| ours (deliverMeeting) |');
    expect(markdown).toContain('| e-mail only |');
    for (const kind of CASE_KIND_NAMES) expect(markdown).toContain(`| ${kind} |`);
    expect(data.ours.precision).toBe(precision(run.ours.overall));
    expect(data.ours.personRecall).toBeGreaterThan(data.emailOnly.personRecall ?? 1);
    expect(data.wrongNotes.ours).toHaveLength(run.ours.wrong.length);
    for (const line of data.wrongNotes.ours) expect(markdown).toContain(`- ${line.kind} #${line.participantIndex}:`);
    expect(data.perParticipantMicros.p50).toBeGreaterThan(0);
    expect(data.perParticipantMicros.p95).toBeGreaterThanOrEqual(data.perParticipantMicros.p50);
    expect(matchingReport(run, true).markdown.startsWith('### Matching, quick set')).toBe(true);
  });

  it('answers candidate searches as the receiver’s SQLite contact index does, for every participant', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dci-matching-bench-'));
    const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
    try {
      await store.replaceContactIndex('lime', contactIndexEntries(run.dataSet), new Date('2026-12-05T00:00:00Z'));
      for (const [position, participant] of run.dataSet.participants.entries()) {
        const summary = run.summaries[position];
        if (summary === undefined) throw new Error(`participant ${position}: the payload was refused`);
        const [classified] = classifyParticipants(summary, { defaultRegion: 'SE' }).external;
        const query = {
          emails: classified?.email === undefined ? [] : [classified.email],
          phones: classified?.phones.map((phone) => phone.e164) ?? [],
        };
        // As a set: SQLite orders by the stored (JSON text) id, the maps by number.
        const ids = (entries: ReadonlyArray<{ personId: number | string }>) =>
          entries.map(({ personId }) => Number(personId)).sort((a, b) => a - b);
        expect({ kind: participant.kind, ids: ids(run.index.find(query)) }).toEqual({
          kind: participant.kind,
          ids: ids(await store.findContactCandidates('lime', query)),
        });
      }
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
