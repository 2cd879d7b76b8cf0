// The matching benchmark's scorer: what a matcher noted for each participant, judged against the participant's truth.
// A note on a wrong person or on a wrong company is the one unforgivable error; writing nothing is only a miss.
import type { CaseKind, LabelledParticipant, Truth } from './matchingDataSet';

/** What a matcher wrote for one participant: a note on a person (with its company), on a company only, or nothing. */
export interface NoteWritten {
  personId?: number | string | undefined;
  companyId?: number | string | undefined;
}

export type Verdict =
  /** On the person (one of the human's records), at the truth's company. */
  | 'right_person'
  /** On the truth's company only, no person. */
  | 'right_company'
  /** On a person the participant is not. */
  | 'wrong_person'
  /** On a company the participant is not from (a company note, or the right person filed under another company). */
  | 'wrong_company'
  | 'nothing';

/** Judges one participant's note against its truth. */
export function judgeNote(truth: Truth, note: NoteWritten | undefined): Verdict {
  if (note === undefined || (note.personId === undefined && note.companyId === undefined)) return 'nothing';
  const companyId = note.companyId === undefined ? undefined : Number(note.companyId);
  if (note.personId !== undefined) {
    if (truth.kind !== 'person' || !truth.personIds.includes(Number(note.personId))) return 'wrong_person';
    return companyId === truth.companyId ? 'right_person' : 'wrong_company';
  }
  return truth.kind !== 'nobody' && companyId === truth.companyId ? 'right_company' : 'wrong_company';
}

export interface Tally {
  participants: number;
  /** Participants whose truth is a person in the CRM / a company only / nobody. */
  truthPerson: number;
  truthCompany: number;
  truthNobody: number;
  notes: number;
  rightPerson: number;
  /** Company notes on the right company, by the truth's kind. */
  rightCompanyWhenPerson: number;
  rightCompanyWhenCompany: number;
  wrong: number;
  nothing: number;
}

export interface WrongNote {
  participantIndex: number;
  kind: CaseKind;
  verdict: 'wrong_person' | 'wrong_company';
  noted: NoteWritten;
  truth: Truth;
}

export interface MatcherScore {
  overall: Tally;
  byKind: Map<CaseKind, Tally>;
  wrong: WrongNote[];
}

export function emptyTally(): Tally {
  return {
    participants: 0,
    truthPerson: 0,
    truthCompany: 0,
    truthNobody: 0,
    notes: 0,
    rightPerson: 0,
    rightCompanyWhenPerson: 0,
    rightCompanyWhenCompany: 0,
    wrong: 0,
    nothing: 0,
  };
}

/** Scores one matcher's notes (`notes[i]` for `participants[i]`). */
export function scoreMatcher(
  participants: readonly LabelledParticipant[],
  notes: ReadonlyArray<NoteWritten | undefined>,
): MatcherScore {
  if (notes.length !== participants.length) {
    throw new Error(`${notes.length} results for ${participants.length} participants`);
  }
  const overall = emptyTally();
  const byKind = new Map<CaseKind, Tally>();
  const wrong: WrongNote[] = [];
  participants.forEach(({ kind, truth }, participantIndex) => {
    const note = notes[participantIndex];
    const verdict = judgeNote(truth, note);
    const kindTally = byKind.get(kind) ?? emptyTally();
    byKind.set(kind, kindTally);
    for (const tally of [overall, kindTally]) add(tally, truth, verdict);
    if ((verdict === 'wrong_person' || verdict === 'wrong_company') && note !== undefined) {
      wrong.push({ participantIndex, kind, verdict, noted: note, truth });
    }
  });
  return { overall, byKind, wrong };
}

function add(tally: Tally, truth: Truth, verdict: Verdict): void {
  tally.participants += 1;
  if (truth.kind === 'person') tally.truthPerson += 1;
  else if (truth.kind === 'company') tally.truthCompany += 1;
  else tally.truthNobody += 1;
  if (verdict !== 'nothing') tally.notes += 1;
  switch (verdict) {
    case 'right_person':
      tally.rightPerson += 1;
      break;
    case 'right_company':
      if (truth.kind === 'person') tally.rightCompanyWhenPerson += 1;
      else tally.rightCompanyWhenCompany += 1;
      break;
    case 'wrong_person':
    case 'wrong_company':
      tally.wrong += 1;
      break;
    case 'nothing':
      tally.nothing += 1;
      break;
  }
}

/** Notes not on a wrong person or company, of all notes written; undefined when nothing was written. */
export function precision(tally: Tally): number | undefined {
  return tally.notes === 0 ? undefined : (tally.notes - tally.wrong) / tally.notes;
}

/** Person-level recall: the right person noted, of the participants who are a person in the CRM. */
export function personRecall(tally: Tally): number | undefined {
  return tally.truthPerson === 0 ? undefined : tally.rightPerson / tally.truthPerson;
}

/** Company-level recall: the right company noted, of the participants not in the CRM whose company is. */
export function companyRecall(tally: Tally): number | undefined {
  return tally.truthCompany === 0 ? undefined : tally.rightCompanyWhenCompany / tally.truthCompany;
}
