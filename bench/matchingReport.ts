// The matching benchmark's report: the markdown section for bench/results/latest.md and the figures for
// bench/results/matching.json. Pure: it reads a finished run (matchingRun.ts) and returns text and data.
import { CASE_KIND_NAMES, CASE_KINDS, type CaseKind, type Truth } from './matchingDataSet';
import type { MatchingBenchmark } from './matchingRun';
import {
  companyRecall,
  personRecall,
  precision,
  type MatcherScore,
  type NoteWritten,
  type Tally,
  type WrongNote,
} from './matchingScore';
import { machineLine, markdownTable, percentile, round } from './benchReport';

/** How a wrong note is listed: what was noted, the truth, and the product's trace (synthetic data only). */
export interface WrongNoteLine {
  kind: CaseKind;
  participantIndex: number;
  verdict: WrongNote['verdict'];
  noted: string;
  truth: string;
  trace: string;
}

export interface MatchingReport {
  markdown: string;
  data: {
    seed: number;
    size: MatchingBenchmark['dataSet']['size'];
    participants: number;
    traps: MatchingBenchmark['dataSet']['traps'];
    index: { entries: number; withEmail: number; withNumber: number };
    ours: MatcherFigures;
    emailOnly: MatcherFigures;
    wrongNotes: { ours: WrongNoteLine[]; emailOnly: WrongNoteLine[] };
    outcomes: Record<string, Record<string, number>>;
    perParticipantMicros: { p50: number; p95: number; p99: number; max: number };
    timingsMs: MatchingBenchmark['timings'];
    memoryMiB: MatchingBenchmark['memory'];
  };
}

export interface MatcherFigures {
  precision: number | null;
  personRecall: number | null;
  companyRecall: number | null;
  overall: Tally;
  byKind: Record<string, Tally>;
}

const percent = (value: number | undefined): string => (value === undefined ? '—' : `${round(value * 100, 2)} %`);

function figures(score: MatcherScore): MatcherFigures {
  return {
    precision: precision(score.overall) ?? null,
    personRecall: personRecall(score.overall) ?? null,
    companyRecall: companyRecall(score.overall) ?? null,
    overall: score.overall,
    byKind: Object.fromEntries(score.byKind),
  };
}

function describeNote(note: NoteWritten): string {
  return note.personId === undefined
    ? `company ${String(note.companyId)} (company note)`
    : `person ${String(note.personId)} at company ${String(note.companyId)}`;
}

function describeTruth(truth: Truth): string {
  switch (truth.kind) {
    case 'person':
      return `person ${truth.personIds.join(' or ')} at company ${truth.companyId}`;
    case 'company':
      return `company ${truth.companyId}, person not in the CRM`;
    case 'nobody':
      return 'nobody in the CRM';
  }
}

function wrongLines(score: MatcherScore, traces: readonly string[] | undefined): WrongNoteLine[] {
  return score.wrong.map((wrong) => ({
    kind: wrong.kind,
    participantIndex: wrong.participantIndex,
    verdict: wrong.verdict,
    noted: describeNote(wrong.noted),
    truth: describeTruth(wrong.truth),
    trace: traces?.[wrong.participantIndex] ?? '',
  }));
}

/** Builds the section and the figures; `quick` says the small set was run (not for latest.md). */
export function matchingReport(run: MatchingBenchmark, quick: boolean): MatchingReport {
  const { dataSet, product, ours, baseline, timings, memory, index } = run;
  const measured = product.micros.filter((_, position) => product.outcomes[position] !== 'refused');
  const micros = {
    p50: round(percentile(measured, 0.5)),
    p95: round(percentile(measured, 0.95)),
    p99: round(percentile(measured, 0.99)),
    max: round(percentile(measured, 1)),
  };
  const microsByKind = new Map<CaseKind, number[]>();
  dataSet.participants.forEach(({ kind }, position) => {
    if (product.outcomes[position] === 'refused') return;
    microsByKind.set(kind, [...(microsByKind.get(kind) ?? []), product.micros[position] ?? Number.NaN]);
  });
  const outcomes: Record<string, Record<string, number>> = {};
  dataSet.participants.forEach(({ kind }, position) => {
    const counts = (outcomes[kind] ??= {});
    const outcome = product.outcomes[position] ?? 'none';
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  });
  const oursWrong = wrongLines(ours, product.traces);
  const baselineWrong = wrongLines(baseline, undefined);
  const n = (value: number) => value.toLocaleString('en');

  const overallRow = (name: string, tally: Tally) => [
    name,
    n(tally.notes),
    n(tally.rightPerson),
    n(tally.rightCompanyWhenCompany),
    n(tally.rightCompanyWhenPerson),
    tally.wrong === 0 ? '0' : `**${n(tally.wrong)}**`,
    percent(precision(tally)),
    percent(personRecall(tally)),
    percent(companyRecall(tally)),
  ];
  const truthWord = (tally: Tally) =>
    tally.truthPerson === tally.participants
      ? 'person'
      : tally.truthCompany === tally.participants
        ? 'company'
        : 'nobody';
  const kindRows = CASE_KIND_NAMES.flatMap((kind) => {
    const mine = ours.byKind.get(kind);
    const theirs = baseline.byKind.get(kind);
    if (!mine || !theirs) return [];
    const outcomeText = Object.entries(outcomes[kind] ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(', ');
    return [
      [
        kind,
        mine.participants,
        truthWord(mine),
        `${mine.rightPerson} / ${mine.rightCompanyWhenPerson + mine.rightCompanyWhenCompany} / ${mine.wrong === 0 ? 0 : `**${mine.wrong}**`} / ${mine.nothing}`,
        `${theirs.rightPerson} / ${theirs.wrong === 0 ? 0 : `**${theirs.wrong}**`} / ${theirs.nothing}`,
        outcomeText,
        `${round(percentile(microsByKind.get(kind) ?? [], 0.5))} / ${round(percentile(microsByKind.get(kind) ?? [], 0.95))}`,
      ],
    ];
  });
  const wrongByKind = new Map<CaseKind, WrongNoteLine[]>();
  for (const line of oursWrong) wrongByKind.set(line.kind, [...(wrongByKind.get(line.kind) ?? []), line]);

  const title = quick
    ? `### Matching, quick set (${n(dataSet.size.persons)} persons, ${n(dataSet.participants.length)} participants)`
    : `### 11. Matching (${n(dataSet.size.persons)} persons, ${n(dataSet.participants.length)} labelled participants)`;
  const markdown = [
    title,
    '',
    `A generated Nordic CRM (seed ${dataSet.seed}, bench/matchingDataSet.ts): ${n(dataSet.persons.length)} person records ` +
      `(${n(dataSet.size.persons)} persons plus ${dataSet.traps.duplicatePersons} active and ${dataSet.traps.inactiveDuplicates} ` +
      `inactive duplicate records) at ${n(dataSet.companies.length)} companies (70 % Swedish, the rest Norwegian, Danish, ` +
      'Finnish; about 3 % small firms on free-mail), every company with a switchboard, ' +
      `${dataSet.traps.teamLines} team lines held by 2–5 persons of one company, ${dataSet.traps.sharedMailboxes} shared ` +
      'mailboxes (one e-mail on two persons), numbers written a dozen ways ("070-123 45 67", "+46 (0)70 123 45 67", ' +
      '"0046701234567", "mobil 070 1234567", "08-555 123 00 ankn. 123", Nordic numbers international or national only). ' +
      `${n(dataSet.participants.length)} participants, each labelled with who it is, one meeting each, run through core ` +
      "`deliverMeeting` (contacts not created) with the Lime connector's contact-index candidate search in memory " +
      `(${n(index.size)} entries: ${n(index.withEmail)} with an e-mail, ${n(index.withNumber)} with a readable number), ` +
      'and through an e-mail-only baseline (exact normalized e-mail, a note only when one person has it) in the same run. ' +
      (product.outcomes.includes('company_note')
        ? "Company notes (issue 19 item 1) on: `companyNotes: true`; the persons at an unknown e-mail's domain and the " +
          "companies by main number answered from the index, as the Lime connector's domain and switchboard searches are."
        : 'Company notes (issue 19 item 1) are asked for (`companyNotes: true`) but none was written in this run.'),
    '',
    markdownTable(
      [
        'matcher',
        'notes',
        'right person',
        'right company (not in CRM)',
        'right company (person in CRM)',
        'wrong',
        'precision',
        'person recall',
        'company recall',
      ],
      [overallRow('ours (deliverMeeting)', ours.overall), overallRow('e-mail only', baseline.overall)],
    ),
    '',
    `Precision: notes not on a wrong person or company, of all notes (target 100 %). Person recall: the right person ` +
      `noted, of the ${n(ours.overall.truthPerson)} participants who are in the CRM. Company recall: the right company ` +
      `noted, of the ${n(ours.overall.truthCompany)} who are not but whose company is. ${n(ours.overall.truthNobody)} are nobody ` +
      'the CRM knows (any note on them is wrong). A note is what writeNotes received, or an outcome naming a note id; ' +
      'a company note is one with a company and no person. An outcome that names a company but no note (today’s ' +
      '`ambiguous`) is no note.',
    '',
    'Per case kind — ours: right person / right company / wrong / nothing; e-mail only: right person / wrong / nothing:',
    '',
    markdownTable(['case kind', 'n', 'truth', 'ours', 'e-mail only', "ours' outcomes", 'ours µs p50 / p95'], kindRows),
    '',
    ...(oursWrong.length === 0
      ? ['Wrong notes (ours): none.']
      : [
          `Wrong notes (ours): ${oursWrong.length}, by case kind: ${[...wrongByKind]
            .map(([kind, lines]) => `${kind} ${lines.length}`)
            .join(', ')}. Every one, with the matching trace:`,
          '',
          '<details><summary>every wrong note</summary>',
          '',
          ...oursWrong.map(
            (line) =>
              `- ${line.kind} #${line.participantIndex}: ${line.verdict.replace('_', ' ')}: ${line.noted}; truth ${line.truth}. ` +
              `Trace: \`${line.trace}\``,
          ),
          '',
          '</details>',
        ]),
    '',
    baselineWrong.length === 0
      ? 'Wrong notes (e-mail only): none.'
      : `Wrong notes (e-mail only): ${baselineWrong.length} (${baselineWrong.map((line) => `${line.kind} #${line.participantIndex}`).join(', ')}).`,
    '',
    markdownTable(
      ['measure', 'value'],
      [
        [
          'deliverMeeting per participant, p50 / p95 / p99 / max',
          `${micros.p50} / ${micros.p95} / ${micros.p99} / ${micros.max} µs`,
        ],
        ['all participants through deliverMeeting', `${round(timings.productMs / 1000, 2)} s`],
        ['e-mail-only baseline, all participants', `${round(timings.baselineMs, 1)} ms`],
        [
          'generating the data set / building the index (toEntry) / parsing the payloads',
          `${round(timings.generateMs / 1000, 2)} / ${round(timings.indexMs / 1000, 2)} / ${round(timings.parseMs / 1000, 2)} s`,
        ],
        [
          'memory after the run: heap used / RSS / peak RSS',
          `${round(memory.heapUsedMiB)} / ${round(memory.rssMiB)} / ${round(memory.maxRssMiB)} MiB`,
        ],
      ],
    ),
    '',
    'Case kinds:',
    '',
    ...CASE_KIND_NAMES.map((kind) => `- \`${kind}\` (${CASE_KINDS[kind].share} %): ${CASE_KINDS[kind].what}.`),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');

  return {
    markdown,
    data: {
      seed: dataSet.seed,
      size: dataSet.size,
      participants: dataSet.participants.length,
      traps: dataSet.traps,
      index: { entries: index.size, withEmail: index.withEmail, withNumber: index.withNumber },
      ours: figures(ours),
      emailOnly: figures(baseline),
      wrongNotes: { ours: oursWrong, emailOnly: baselineWrong },
      outcomes,
      perParticipantMicros: micros,
      timingsMs: timings,
      memoryMiB: memory,
    },
  };
}
