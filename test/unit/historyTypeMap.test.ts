import {
  formatHistoryTypeMap,
  parseHistoryTypeMap,
  pickHistoryType,
  unknownHistoryTypes,
  type HistoryTypeMap,
} from '../../src/core';

function mapOf(text: string): HistoryTypeMap {
  const read = parseHistoryTypeMap(text);
  if (!read.ok) throw new Error(read.problems.join('; '));
  return read.map;
}

describe('HISTORY_TYPE_MAP: reading the map', () => {
  it.each([
    ['', []],
    [' , ;\n', []],
    ['medium:call=talkedto', [{ on: 'medium', value: 'call', type: 'talkedto' }]],
    [
      'medium:call=talkedto, conversation_type:demo=customervisit',
      [
        { on: 'medium', value: 'call', type: 'talkedto' },
        { on: 'conversation_type', value: 'demo', type: 'customervisit' },
      ],
    ],
    // Keys are case-insensitive and spaced freely; the CRM's type is kept as written (SuperOffice names have spaces).
    [
      ' MEDIUM : Call = Phone call ;\nConversation-Type: Sales Demo=Customer visit',
      [
        { on: 'medium', value: 'call', type: 'Phone call' },
        { on: 'conversation_type', value: 'sales demo', type: 'Customer visit' },
      ],
    ],
    // The same entry twice is harmless.
    ['medium:call=talkedto, medium:CALL=talkedto', [{ on: 'medium', value: 'call', type: 'talkedto' }]],
  ])('%j is read as its entries', (text, entries) => {
    expect(parseHistoryTypeMap(text)).toEqual({ ok: true, map: entries });
  });

  it('every bad entry is reported at once, each named by its position and as written', () => {
    const read = parseHistoryTypeMap(
      'medium:call=talkedto, medum:video=x, call=talkedto, medium:call, conversation_type:=x, medium:video=, medium:call=comment',
    );
    expect(read).toEqual({
      ok: false,
      problems: [
        'entry 2 "medum:video=x": "medum" is neither medium nor conversation_type',
        'entry 3 "call=talkedto": say what it keys on, medium:<value> or conversation_type:<value>, before the "="',
        'entry 4 "medium:call": no "=": write it as medium:<value>=<type> or conversation_type:<value>=<type>',
        'entry 5 "conversation_type:=x": no conversation_type value before the "="',
        'entry 6 "medium:video=": no type after the "="',
        'entry 7 "medium:call=comment": medium "call" is already mapped to "talkedto" by an earlier entry',
      ],
    });
  });

  it('a map written back reads as the same map', () => {
    const map = mapOf('Medium:Call=talkedto; conversation_type:demo=customervisit');
    expect(formatHistoryTypeMap(map)).toBe('medium:call=talkedto, conversation_type:demo=customervisit');
    expect(mapOf(formatHistoryTypeMap(map))).toEqual(map);
  });
});

describe('HISTORY_TYPE_MAP: the type a meeting gets', () => {
  const map = mapOf('medium:call=talkedto, conversation_type:demo=customervisit');

  it.each([
    [{ medium: 'call' }, 'talkedto'],
    [{ medium: ' CALL ' }, 'talkedto'],
    // The conversation type is more specific than the medium.
    [{ medium: 'call', conversationType: 'Demo' }, 'customervisit'],
    [{ conversationType: 'demo' }, 'customervisit'],
    [{ medium: 'video', conversationType: 'sales' }, 'comment'],
    [{}, 'comment'],
    [{ medium: '', conversationType: '  ' }, 'comment'],
  ])('%j is filed as %s', (meeting, type) => {
    expect(pickHistoryType(map, meeting, 'comment').type).toBe(type);
  });

  it('the fallback is used when no entry fits, and says no entry chose it', () => {
    expect(pickHistoryType([], { medium: 'call' }, 'comment')).toEqual({ type: 'comment' });
  });
});

describe('HISTORY_TYPE_MAP: checked against the CRM', () => {
  const map = mapOf('medium:call=talkedtoo, conversation_type:demo=Customer visit');

  it('names each entry whose type the CRM lacks, and the types it offers', () => {
    expect(unknownHistoryTypes(map, ['comment', 'talkedto'], { type: 'history type', crm: 'Lime' })).toEqual([
      'medium:call=talkedtoo: "talkedtoo" is not a history type Lime offers (offered: comment, talkedto)',
      'conversation_type:demo=Customer visit: "Customer visit" is not a history type Lime offers (offered: comment, talkedto)',
    ]);
  });

  it('SuperOffice task types match by name, case-insensitively', () => {
    const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    expect(
      unknownHistoryTypes(map, ['TALKEDTOO', 'customer visit'], { type: 'task type', crm: 'SuperOffice' }, sameName),
    ).toEqual([]);
  });
});
