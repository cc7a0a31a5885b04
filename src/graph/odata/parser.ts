/**
 * Recursive-descent parser for the `$filter` / `$orderby` subset Graph's PIM and audit collections use.
 *
 *   filter     := or EOF
 *   or         := and ('or' and)*
 *   and        := primary ('and' primary)*
 *   primary    := '(' or ')' | 'startswith' '(' path ',' literal ')' | lambda | comparison
 *   comparison := path ('eq'|'ne'|'gt'|'ge'|'lt'|'le') literal | path 'in' '(' literal (',' literal)* ')'
 *   lambda     := path '/' 'any' '(' var ':' or ')'        -- inside, paths are written var/prop
 *   path       := ident ('/' ident)*
 *   orderby    := path ('asc'|'desc')? (',' path ('asc'|'desc')?)* EOF
 *
 * The parser knows nothing about entity sets: which properties and operators a collection supports
 * is checked afterwards (index.ts), so syntax errors and support errors stay separate.
 * `not`, `all` and functions other than startswith are rejected here with a message saying so,
 * because accepting and ignoring them would return wrong results silently.
 */
import { ODataQueryError, tokenize, type QueryOption, type Token } from './lexer.js';

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type Literal =
  | { kind: 'string'; value: string; text: string }
  | { kind: 'guid'; value: string; text: string }
  | { kind: 'datetime'; value: string; text: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'boolean'; value: boolean; text: string }
  | { kind: 'null'; text: string };

/** Paths are '/'-joined; inside a lambda they are relative to the item (the variable is stripped). */
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'compare'; op: CompareOp; path: string; value: Literal }
  | { kind: 'in'; path: string; values: Literal[] }
  | { kind: 'startswith'; path: string; value: Literal }
  | { kind: 'any'; collection: string; variable: string; body: FilterNode };

export interface OrderByKey {
  path: string;
  descending: boolean;
}

const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const SUPPORTED_FUNCTIONS = 'startswith';

export function parseFilter(text: string): FilterNode {
  const p = new Parser(text, '$filter');
  const node = p.or();
  p.expectEnd("'and', 'or' or end of input");
  return node;
}

export function parseOrderBy(text: string): OrderByKey[] {
  const p = new Parser(text, '$orderby');
  return p.orderBy();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  /** Set while parsing the body of `coll/any(v: …)`. */
  private lambdaVariable: string | undefined;

  constructor(
    text: string,
    private readonly option: QueryOption,
  ) {
    this.tokens = tokenize(text, option);
  }

  or(): FilterNode {
    let left = this.and();
    while (this.atKeyword('or')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.primary();
    while (this.atKeyword('and')) {
      this.i++;
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): FilterNode {
    const tok = this.peek();
    if (tok.kind === '(') {
      this.i++;
      const inner = this.or();
      this.expect(')', "')'");
      return inner;
    }
    if (tok.kind !== 'ident') this.fail('a property name');
    if (this.atKeyword('not')) this.reject("operator 'not' is not supported.");
    if (this.peek(1).kind === '(') return this.functionCall();

    const path = this.path();
    if (typeof path !== 'string') return path;

    const op = this.peek();
    const opName = op.kind === 'ident' ? op.text.toLowerCase() : '';
    if (opName === 'in') {
      this.i++;
      return { kind: 'in', path, values: this.literalList() };
    }
    if (!COMPARE_OPS.includes(opName)) this.fail('a comparison operator (eq, ne, gt, ge, lt, le or in)');
    this.i++;
    return { kind: 'compare', op: opName as CompareOp, path, value: this.literal() };
  }

  private functionCall(): FilterNode {
    const name = this.next().text;
    if (name.toLowerCase() !== 'startswith') {
      this.reject(`function '${name}' is not supported. Supported functions: ${SUPPORTED_FUNCTIONS}.`);
    }
    this.expect('(', "'('");
    const path = this.path();
    if (typeof path !== 'string') this.reject('startswith() takes a property, not a lambda expression.');
    this.expect(',', "','");
    const value = this.literal();
    this.expect(')', "')'");
    return { kind: 'startswith', path, value };
  }

  /** Reads a property path; returns the lambda node instead when the path ends in /any(…). */
  private path(): string | FilterNode {
    const segments: string[] = [];
    if (this.lambdaVariable !== undefined) {
      // Inside any(t: …) every property is reached through the variable: t/id.
      const variable = this.lambdaVariable;
      if (this.peek().kind !== 'ident' || this.peek().text !== variable) {
        this.fail(`a path starting with '${variable}/'`);
      }
      this.i++;
      this.expect('/', "'/'");
    }
    segments.push(this.expect('ident', 'a property name').text);
    while (this.peek().kind === '/') {
      this.i++;
      const seg = this.expect('ident', 'a property name');
      const lower = seg.text.toLowerCase();
      if ((lower === 'any' || lower === 'all') && this.peek().kind === '(') {
        return this.lambda(segments.join('/'), lower);
      }
      segments.push(seg.text);
    }
    return segments.join('/');
  }

  private lambda(collection: string, operator: string): FilterNode {
    if (operator === 'all') this.reject("lambda operator 'all' is not supported. Supported lambda operators: any.");
    if (this.lambdaVariable !== undefined) this.reject('nested lambda expressions are not supported.');
    this.expect('(', "'('");
    const variable = this.expect('ident', 'a lambda variable name').text;
    this.expect(':', "':'");
    this.lambdaVariable = variable;
    const body = this.or();
    this.lambdaVariable = undefined;
    this.expect(')', "')'");
    return { kind: 'any', collection, variable, body };
  }

  private literalList(): Literal[] {
    this.expect('(', "'('");
    const values = [this.literal()];
    while (this.peek().kind === ',') {
      this.i++;
      values.push(this.literal());
    }
    this.expect(')', "',' or ')'");
    return values;
  }

  private literal(): Literal {
    const tok = this.peek();
    const word = tok.kind === 'ident' ? tok.text.toLowerCase() : '';
    let lit: Literal;
    if (tok.kind === 'string' || tok.kind === 'guid' || tok.kind === 'datetime') {
      lit = { kind: tok.kind, value: tok.value, text: tok.text };
    } else if (tok.kind === 'number') {
      lit = { kind: 'number', value: Number(tok.text), text: tok.text };
    } else if (word === 'true' || word === 'false') {
      lit = { kind: 'boolean', value: word === 'true', text: tok.text };
    } else if (word === 'null') {
      lit = { kind: 'null', text: tok.text };
    } else {
      return this.fail('a literal');
    }
    this.i++;
    return lit;
  }

  orderBy(): OrderByKey[] {
    const keys: OrderByKey[] = [];
    for (;;) {
      const segments = [this.expect('ident', 'a property name').text];
      while (this.peek().kind === '/') {
        this.i++;
        segments.push(this.expect('ident', 'a property name').text);
      }
      let descending = false;
      let expected = "'asc', 'desc', ',' or end of input";
      if (this.atKeyword('asc') || this.atKeyword('desc')) {
        descending = this.next().text.toLowerCase() === 'desc';
        expected = "',' or end of input";
      }
      keys.push({ path: segments.join('/'), descending });
      if (this.peek().kind !== ',') {
        this.expectEnd(expected);
        return keys;
      }
      this.i++;
    }
  }

  expectEnd(what: string): void {
    if (this.peek().kind !== 'eof') this.fail(what);
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private atKeyword(word: string): boolean {
    const tok = this.peek();
    return tok.kind === 'ident' && tok.text.toLowerCase() === word;
  }

  private expect(kind: Token['kind'], what: string): Token {
    if (this.peek().kind !== kind) this.fail(what);
    return this.next();
  }

  /** Syntax error: "expected X after 'Y' at position N." */
  private fail(what: string): never {
    const prev = this.i > 0 ? this.tokens[this.i - 1] : undefined;
    // String tokens already carry their quotes.
    const after = prev ? ` after ${prev.kind === 'string' ? prev.text : `'${prev.text}'`}` : '';
    throw new ODataQueryError('BadRequest', `Invalid ${this.option}: expected ${what}${after} at position ${this.peek().pos}.`);
  }

  /** Well-formed OData the emulator deliberately does not support. */
  private reject(message: string): never {
    throw new ODataQueryError('BadRequest', `Invalid ${this.option}: ${message}`);
  }
}
