// The archive restriction string of GetArchiveListByColumns2 ("SQL-ish", spec §3.3):
//
//   restriction := term { "or" term }            -- "and" binds tighter than "or"
//   term        := factor { "and" factor }
//   factor      := "(" restriction ")" | clause
//   clause      := column operator operand
//   operator    := "is" | "=" | "eq" | "contains" | "begins" | "in" | "oneOf"
//                | "date" | "before" | "after" | "between" | "dateBetween"      -- the date operators
//   operand     := literal | "(" literal { "," literal } ")"   -- the list form only after in/oneOf, and exactly two
//                                                                   literals after between/dateBetween
//
// The date operators are those of the restriction type `date`, "only the date part is used": `before`, `date`
// (equals), `after`, `dateBetween` [verified: SuperOffice SDK docs, "Archive Provider Restriction Types"], written in a
// restriction string as the OData examples do — `date date '2020-05-28'`, `date between ('2020-05-11','2020-05-31')`
// [verified: SuperOfficeDocs `docs/en/api/search/odata/date.md`].
//   literal     := 'text' (backslash escapes: \' and \\) | integer
//
// Keywords and operators are case-insensitive; column names are matched later, against the provider.

export type RestrictionLiteral = { kind: 'string'; value: string } | { kind: 'integer'; value: number };

export type RestrictionOperator =
  'equals' | 'contains' | 'begins' | 'in' | 'dateEquals' | 'before' | 'after' | 'between';

export type Restriction =
  | { kind: 'and' | 'or'; left: Restriction; right: Restriction }
  | { kind: 'clause'; column: string; operator: RestrictionOperator; operands: RestrictionLiteral[] };

export type ParsedRestriction = { kind: 'parsed'; restriction: Restriction } | { kind: 'invalid'; message: string };

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'symbol'; text: '(' | ')' | ',' | '=' };

const OPERATORS: Record<string, RestrictionOperator> = {
  is: 'equals',
  '=': 'equals',
  eq: 'equals',
  contains: 'contains',
  begins: 'begins',
  in: 'in',
  oneof: 'in',
  date: 'dateEquals',
  before: 'before',
  after: 'after',
  between: 'between',
  datebetween: 'between',
};

class RestrictionSyntaxError extends Error {}

export function parseRestriction(text: string): ParsedRestriction {
  try {
    const parser = new Parser(tokenize(text));
    const restriction = parser.restriction();
    parser.expectEnd();
    return { kind: 'parsed', restriction };
  } catch (error) {
    if (error instanceof RestrictionSyntaxError) {
      return { kind: 'invalid', message: `Invalid restriction "${text}": ${error.message}` };
    }
    throw error;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    if (/\s/u.test(char)) {
      index += 1;
    } else if (char === "'") {
      let value = '';
      index += 1;
      for (;;) {
        if (index >= text.length) throw new RestrictionSyntaxError('a quoted string is not closed');
        const next = text.charAt(index);
        if (next === '\\' && index + 1 < text.length) {
          value += text.charAt(index + 1);
          index += 2;
        } else if (next === "'") {
          index += 1;
          break;
        } else {
          value += next;
          index += 1;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (char === '(' || char === ')' || char === ',' || char === '=') {
      tokens.push({ kind: 'symbol', text: char });
      index += 1;
    } else {
      const match = /^(-?\d+)(?![\w/])|^[A-Za-z_][\w/.:]*/u.exec(text.slice(index));
      if (match === null) throw new RestrictionSyntaxError(`unexpected "${char}" at position ${index}`);
      tokens.push(
        match[1] === undefined ? { kind: 'word', text: match[0] } : { kind: 'integer', value: Number(match[1]) },
      );
      index += match[0].length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  restriction(): Restriction {
    let left = this.term();
    while (this.acceptWord('or')) left = { kind: 'or', left, right: this.term() };
    return left;
  }

  expectEnd(): void {
    const token = this.tokens[this.position];
    if (token !== undefined) throw new RestrictionSyntaxError(`unexpected ${describe(token)}`);
  }

  private term(): Restriction {
    let left = this.factor();
    while (this.acceptWord('and')) left = { kind: 'and', left, right: this.factor() };
    return left;
  }

  private factor(): Restriction {
    if (this.acceptSymbol('(')) {
      const inner = this.restriction();
      this.expectSymbol(')');
      return inner;
    }
    const column = this.take();
    if (column?.kind !== 'word') throw new RestrictionSyntaxError(`expected a column name, found ${describe(column)}`);
    const operatorToken = this.take();
    const operatorText =
      operatorToken?.kind === 'word' || (operatorToken?.kind === 'symbol' && operatorToken.text === '=')
        ? operatorToken.text.toLowerCase()
        : undefined;
    const operator = operatorText === undefined ? undefined : OPERATORS[operatorText];
    if (operator === undefined) {
      throw new RestrictionSyntaxError(`expected an operator after "${column.text}", found ${describe(operatorToken)}`);
    }
    return {
      kind: 'clause',
      column: column.text,
      operator,
      operands: operator === 'in' || operator === 'between' ? this.list(operator === 'between') : [this.literal()],
    };
  }

  private list(pair: boolean): RestrictionLiteral[] {
    this.expectSymbol('(');
    const operands = [this.literal()];
    while (this.acceptSymbol(',')) operands.push(this.literal());
    this.expectSymbol(')');
    if (pair && operands.length !== 2) throw new RestrictionSyntaxError('between takes exactly two values');
    return operands;
  }

  private literal(): RestrictionLiteral {
    const token = this.take();
    if (token?.kind === 'string' || token?.kind === 'integer') return token;
    throw new RestrictionSyntaxError(`expected a quoted value or an integer, found ${describe(token)}`);
  }

  private take(): Token | undefined {
    const token = this.tokens[this.position];
    if (token !== undefined) this.position += 1;
    return token;
  }

  private acceptWord(word: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== 'word' || token.text.toLowerCase() !== word) return false;
    this.position += 1;
    return true;
  }

  private acceptSymbol(symbol: '(' | ')' | ','): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== 'symbol' || token.text !== symbol) return false;
    this.position += 1;
    return true;
  }

  private expectSymbol(symbol: '(' | ')'): void {
    if (!this.acceptSymbol(symbol)) {
      throw new RestrictionSyntaxError(`expected "${symbol}", found ${describe(this.tokens[this.position])}`);
    }
  }
}

function describe(token: Token | undefined): string {
  switch (token?.kind) {
    case undefined:
      return 'the end';
    case 'word':
    case 'symbol':
      return `"${token.text}"`;
    case 'string':
      return `'${token.value}'`;
    case 'integer':
      return String(token.value);
  }
}
