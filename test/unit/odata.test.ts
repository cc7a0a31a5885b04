import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  compileOrderBy,
  ODataQueryError,
  type FilterSpec,
  type OrderBySpec,
} from '../../src/graph/odata/index.js';

// Specs shaped like the collections the emulator serves (reference §1.1, §1.3, §7).
const roleDefinitions: FilterSpec = {
  entitySet: 'roleDefinitions',
  properties: {
    id: { type: 'guid', ops: ['eq', 'ne'] },
    displayName: { type: 'string', ops: ['eq', 'in', 'startswith'] },
    isBuiltIn: { type: 'boolean', ops: ['eq'] },
  },
};

const requests: FilterSpec = {
  entitySet: 'roleAssignmentScheduleRequests',
  properties: {
    principalId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
    status: { type: 'enum', ops: ['eq', 'ne'] },
    directoryScopeId: { type: 'string', ops: ['eq', 'ne', 'null'] },
    'createdBy/user/id': { type: 'guid', ops: ['eq', 'ne', 'null'] },
    justification: { type: 'string', ops: ['eq'], caseInsensitive: true },
    priority: { type: 'number', ops: ['eq', 'gt', 'ge', 'lt', 'le'] },
  },
  allowOr: true,
};

const directoryAudits: FilterSpec = {
  entitySet: 'directoryAudits',
  properties: {
    activityDisplayName: { type: 'string', ops: ['eq', 'startswith'] },
    activityDateTime: { type: 'datetime', ops: ['eq', 'ge', 'le', 'gt', 'lt'] },
    'initiatedBy/user/id': { type: 'string', ops: ['eq'] },
    result: { type: 'enum', ops: ['eq'] },
  },
  lambdas: {
    targetResources: { id: { type: 'guid', ops: ['eq'] }, type: { type: 'string', ops: ['eq'] } },
  },
};

const ALICE = '071cc716-8147-4397-a5ba-b2105951cc0b';
const BOB = '4e3f0b72-2c8d-4f55-9c0a-1b6d1f0e7a11';

const roles = [
  { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', isBuiltIn: true },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator', isBuiltIn: true },
  { id: 'e8611ab8-c189-46e8-94e1-60213ab1f814', displayName: 'Privileged Role Administrator', isBuiltIn: true },
  { id: 'aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa', displayName: "O'Brien's Helpdesk", isBuiltIn: false },
];

const requestRows = [
  { id: 'r1', principalId: ALICE, status: 'Provisioned', directoryScopeId: '/', createdBy: { user: { id: ALICE } }, justification: 'Ticket 1', priority: 1 },
  { id: 'r2', principalId: BOB, status: 'PendingApproval', directoryScopeId: '/administrativeUnits/au1', justification: 'ticket 2', priority: 5 },
  { id: 'r3', principalId: ALICE.toUpperCase(), status: 'Revoked', directoryScopeId: null, createdBy: { user: null }, priority: 10 },
];

const audits = [
  {
    id: 'a1',
    activityDisplayName: 'Add member to role completed (PIM activation)',
    activityDateTime: '2026-01-01T09:00:00Z',
    initiatedBy: { user: { id: ALICE } },
    result: 'success',
    targetResources: [{ id: '62e90394-69f5-4237-9190-012177145e10', type: 'Role' }, { id: ALICE, type: 'User' }],
  },
  {
    id: 'a2',
    activityDisplayName: 'Remove member from role (PIM activation expired)',
    activityDateTime: '2026-01-01T12:30:00.1234567Z',
    initiatedBy: { app: { displayName: 'MS-PIM' } },
    result: 'success',
    targetResources: [{ id: BOB, type: 'User' }],
  },
  {
    id: 'a3',
    activityDisplayName: 'Update role setting in PIM',
    activityDateTime: '2026-01-02T00:00:00+01:00', // = 2026-01-01T23:00:00Z
    initiatedBy: { user: { id: BOB } },
    result: 'failure',
    targetResources: [],
  },
  { id: 'a4', activityDisplayName: 'Process request', initiatedBy: { user: { id: BOB } }, result: 'success' },
];

/** The ids of the rows a filter keeps, in input order. */
function select(filter: string, spec: FilterSpec, rows: readonly { id: string }[]): string[] {
  const keep = compileFilter(filter, spec);
  return rows.filter((row) => keep(row)).map((row) => row.id);
}

/** The error a compile call throws; fails the test if it throws anything else or nothing. */
function errorOf(compile: () => unknown): ODataQueryError {
  try {
    compile();
  } catch (error) {
    if (error instanceof ODataQueryError) return error;
    throw error;
  }
  throw new Error('expected an ODataQueryError, but compiling succeeded');
}

function filterError(filter: string, spec: FilterSpec): { code: string; message: string } {
  const { code, message } = errorOf(() => compileFilter(filter, spec));
  return { code, message };
}

function badRequest(message: string): { code: string; message: string } {
  return { code: 'BadRequest', message };
}

describe('$filter comparisons', () => {
  it('keeps entities whose string property equals the literal', () => {
    expect(select("displayName eq 'User Administrator'", roleDefinitions, roles)).toEqual([roles[1]!.id]);
  });

  it('reads operators and keywords in any case', () => {
    expect(select("displayName EQ 'User Administrator' AND isBuiltIn Eq TRUE", roleDefinitions, roles)).toEqual([roles[1]!.id]);
  });

  it('compares string properties case-sensitively', () => {
    expect(select("displayName eq 'user administrator'", roleDefinitions, roles)).toEqual([]);
  });

  it('compares string properties declared caseInsensitive regardless of case', () => {
    expect(select("justification eq 'TICKET 2'", requests, requestRows)).toEqual(['r2']);
  });

  it('compares guid properties case-insensitively, quoted or unquoted', () => {
    expect(select(`principalId eq '${ALICE}'`, requests, requestRows)).toEqual(['r1', 'r3']);
    expect(select(`principalId eq ${ALICE.toUpperCase()}`, requests, requestRows)).toEqual(['r1', 'r3']);
  });

  it('compares enum properties case-insensitively, as Graph accepts status eq provisioned', () => {
    expect(select("status eq 'provisioned'", requests, requestRows)).toEqual(['r1']);
    expect(select("status ne 'PROVISIONED'", requests, requestRows)).toEqual(['r2', 'r3']);
  });

  it('unescapes a doubled quote inside a string literal', () => {
    expect(select("displayName eq 'O''Brien''s Helpdesk'", roleDefinitions, roles)).toEqual([roles[3]!.id]);
  });

  it('matches boolean properties against true and false', () => {
    expect(select('isBuiltIn eq false', roleDefinitions, roles)).toEqual([roles[3]!.id]);
  });

  it('orders numbers with gt, ge, lt and le', () => {
    expect(select('priority gt 1', requests, requestRows)).toEqual(['r2', 'r3']);
    expect(select('priority ge 5 and priority le 5', requests, requestRows)).toEqual(['r2']);
    expect(select('priority lt 5.5', requests, requestRows)).toEqual(['r1', 'r2']);
  });

  it('keeps entities whose value is one of an in list', () => {
    expect(select("displayName in ('User Administrator', 'Global Administrator')", roleDefinitions, roles)).toEqual([
      roles[0]!.id,
      roles[1]!.id,
    ]);
    expect(select(`principalId in ('${BOB.toUpperCase()}')`, requests, requestRows)).toEqual(['r2']);
  });

  it('matches startswith case-insensitively', () => {
    expect(select("startswith(activityDisplayName,'add MEMBER')", directoryAudits, audits)).toEqual(['a1']);
    expect(select("startsWith( activityDisplayName , 'Process' )", directoryAudits, audits)).toEqual(['a4']);
  });

  it('walks nested paths, treating a missing step as null', () => {
    expect(select(`initiatedBy/user/id eq '${BOB}'`, directoryAudits, audits)).toEqual(['a3', 'a4']);
    expect(select(`createdBy/user/id eq ${ALICE}`, requests, requestRows)).toEqual(['r1']);
  });

  it('treats null and missing values alike when compared with null', () => {
    expect(select('directoryScopeId eq null', requests, requestRows)).toEqual(['r3']);
    expect(select('createdBy/user/id eq null', requests, requestRows)).toEqual(['r2', 'r3']);
    expect(select('createdBy/user/id ne NULL', requests, requestRows)).toEqual(['r1']);
  });

  it('counts a missing value as different from any literal, and never greater or smaller', () => {
    expect(select("directoryScopeId ne '/'", requests, requestRows)).toEqual(['r2', 'r3']);
    expect(select('activityDateTime lt 2100-01-01T00:00:00Z', directoryAudits, audits)).toEqual(['a1', 'a2', 'a3']);
  });
});

describe('$filter datetimes', () => {
  it('compares unquoted ISO 8601 datetimes as instants', () => {
    expect(select('activityDateTime ge 2026-01-01T12:00:00Z', directoryAudits, audits)).toEqual(['a2', 'a3']);
  });

  it('honours offsets on both the literal and the stored value', () => {
    // a3 is stored as 2026-01-02T00:00:00+01:00, i.e. 23:00Z on the 1st.
    expect(select('activityDateTime eq 2026-01-01T23:00:00Z', directoryAudits, audits)).toEqual(['a3']);
    // 13:00+02:00 is 11:00Z and 05:00-05:00 is 10:00Z; comparing the text would get both wrong.
    expect(select('activityDateTime ge 2026-01-01T13:00:00+02:00', directoryAudits, audits)).toEqual(['a2', 'a3']);
    expect(select('activityDateTime lt 2026-01-01T05:00:00-05:00', directoryAudits, audits)).toEqual(['a1']);
  });

  it('compares fractional seconds to the millisecond', () => {
    expect(select('activityDateTime gt 2026-01-01T12:30:00.123Z', directoryAudits, audits)).toEqual(['a3']);
    expect(select('activityDateTime eq 2026-01-01T12:30:00.1239Z', directoryAudits, audits)).toEqual(['a2']);
  });

  it('reads a bare date as midnight UTC', () => {
    expect(select('activityDateTime ge 2026-01-01 and activityDateTime lt 2026-01-02', directoryAudits, audits)).toEqual([
      'a1',
      'a2',
      'a3',
    ]);
  });

  it('combines a datetime range with other conditions', () => {
    expect(
      select(
        "activityDateTime ge 2026-01-01T00:00:00Z and activityDateTime le 2026-01-01T23:59:59Z and result eq 'FAILURE'",
        directoryAudits,
        audits,
      ),
    ).toEqual(['a3']);
  });
});

describe('$filter boolean structure', () => {
  it('binds and tighter than or', () => {
    expect(select("status eq 'Revoked' or status eq 'Provisioned' and priority gt 1", requests, requestRows)).toEqual(['r3']);
  });

  it('groups with parentheses', () => {
    expect(select("(status eq 'Revoked' or status eq 'Provisioned') and priority lt 10", requests, requestRows)).toEqual(['r1']);
  });
});

describe('$filter lambdas', () => {
  it('keeps entities where any item of the collection matches', () => {
    expect(select(`targetResources/any(t:t/id eq '${BOB}')`, directoryAudits, audits)).toEqual(['a2']);
  });

  it('accepts whitespace, any variable name and an upper-case ANY', () => {
    expect(select(`targetResources/ANY( r : r/id eq ${ALICE.toUpperCase()} )`, directoryAudits, audits)).toEqual(['a1']);
  });

  it('requires one item to satisfy the whole body', () => {
    expect(select(`targetResources/any(t: t/id eq '${ALICE}' and t/type eq 'User')`, directoryAudits, audits)).toEqual(['a1']);
    expect(select(`targetResources/any(t: t/id eq '${ALICE}' and t/type eq 'Role')`, directoryAudits, audits)).toEqual([]);
  });

  it('treats an empty or missing collection as having no match', () => {
    expect(select("targetResources/any(t: t/type eq 'User') and result eq 'failure'", directoryAudits, audits)).toEqual([]);
    expect(select("result eq 'success' and targetResources/any(t: t/type eq 'User')", directoryAudits, audits)).toEqual(['a1', 'a2']);
  });
});

describe('$filter syntax errors', () => {
  it('says a literal is expected after a comparison operator, with its position', () => {
    expect(filterError('displayName eq', roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected a literal after 'eq' at position 14."),
    );
  });

  it('says a literal is expected when a property follows the operator', () => {
    expect(filterError('displayName eq isBuiltIn', roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected a literal after 'eq' at position 15."),
    );
  });

  it('says a property name is expected in an empty filter', () => {
    expect(filterError('', roleDefinitions)).toEqual(badRequest('Invalid $filter: expected a property name at position 0.'));
  });

  it('says a comparison operator is expected after a property', () => {
    expect(filterError("displayName 'x'", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected a comparison operator (eq, ne, gt, ge, lt, le or in) after 'displayName' at position 12."),
    );
  });

  it('says a closing parenthesis is missing', () => {
    expect(filterError("(displayName eq 'x'", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected ')' after 'x' at position 19."),
    );
  });

  it('says what may follow a complete condition', () => {
    expect(filterError("displayName eq 'x' isBuiltIn eq true", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected 'and', 'or' or end of input after 'x' at position 19."),
    );
  });

  it('says a condition is expected after and', () => {
    expect(filterError("displayName eq 'x' and ", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected a property name after 'and' at position 23."),
    );
  });

  it('says an in list needs a comma or a closing parenthesis', () => {
    expect(filterError("displayName in ('a' 'b')", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: expected ',' or ')' after 'a' at position 20."),
    );
  });

  it('reports an unterminated string where it starts', () => {
    expect(filterError("displayName eq 'abc", roleDefinitions)).toEqual(
      badRequest('Invalid $filter: unterminated string literal starting at position 15.'),
    );
  });

  it('reports an unexpected character', () => {
    expect(filterError("displayName eq 'a' && isBuiltIn eq true", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: unexpected character '&' at position 19."),
    );
  });

  it('rejects a datetime without a time zone', () => {
    expect(filterError('activityDateTime ge 2026-01-01T00:00:00', directoryAudits)).toEqual(
      badRequest(
        "Invalid $filter: invalid datetime '2026-01-01T00:00:00' at position 20; use ISO 8601 with a time zone, e.g. 2026-01-01T00:00:00Z.",
      ),
    );
  });

  it('hints at URL encoding when a + offset arrived as a space', () => {
    expect(filterError('activityDateTime ge 2026-01-01T00:00:00 01:00', directoryAudits).message).toBe(
      "Invalid $filter: invalid datetime '2026-01-01T00:00:00' at position 20; use ISO 8601 with a time zone, " +
        "e.g. 2026-01-01T00:00:00Z (a '+' in a URL must be encoded as %2B).",
    );
  });

  it('rejects an impossible date', () => {
    expect(filterError('activityDateTime ge 2026-02-30T00:00:00Z', directoryAudits).message).toBe(
      "Invalid $filter: invalid datetime '2026-02-30T00:00:00Z' at position 20; use ISO 8601 with a time zone, e.g. 2026-01-01T00:00:00Z.",
    );
  });

  it('requires lambda properties to go through the lambda variable', () => {
    expect(filterError("targetResources/any(t: id eq 'x')", directoryAudits)).toEqual(
      badRequest("Invalid $filter: expected a path starting with 't/' after ':' at position 23."),
    );
  });

  it('requires a variable in any()', () => {
    expect(filterError('targetResources/any()', directoryAudits)).toEqual(
      badRequest("Invalid $filter: expected a lambda variable name after '(' at position 20."),
    );
  });
});

describe('$filter features that are rejected rather than ignored', () => {
  it('rejects not', () => {
    expect(filterError("not (displayName eq 'x')", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: operator 'not' is not supported."),
    );
  });

  it('rejects functions other than startswith, naming the supported one', () => {
    for (const fn of ['endswith', 'contains', 'substringof']) {
      expect(filterError(`${fn}(displayName,'Admin')`, roleDefinitions)).toEqual(
        badRequest(`Invalid $filter: function '${fn}' is not supported. Supported functions: startswith.`),
      );
    }
  });

  it('rejects the all lambda', () => {
    expect(filterError("targetResources/all(t:t/type eq 'User')", directoryAudits)).toEqual(
      badRequest("Invalid $filter: lambda operator 'all' is not supported. Supported lambda operators: any."),
    );
  });

  it('rejects nested lambdas', () => {
    expect(filterError("targetResources/any(t:t/modifiedProperties/any(p:p/displayName eq 'x'))", directoryAudits)).toEqual(
      badRequest('Invalid $filter: nested lambda expressions are not supported.'),
    );
  });

  it('rejects or with the exact Graph error where the collection does not allow it', () => {
    expect(filterError("displayName eq 'a' or displayName eq 'b'", roleDefinitions)).toEqual({
      code: 'Request_UnsupportedQuery',
      message: 'Or operator not supported for this entity set.',
    });
  });

  it('rejects or inside a lambda too, with the collection’s own message when it has one', () => {
    const spec = { ...directoryAudits, orMessage: 'Or is not supported on directoryAudits.' };
    expect(filterError("targetResources/any(t: t/type eq 'User' OR t/type eq 'Role')", spec)).toEqual({
      code: 'Request_UnsupportedQuery',
      message: 'Or is not supported on directoryAudits.',
    });
  });

  it('rejects an unknown property, listing the supported ones in declaration order', () => {
    expect(filterError("foo eq 'x'", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: property 'foo' is not supported for roleDefinitions. Supported properties: id, displayName, isBuiltIn."),
    );
  });

  it('lists the any() forms among supported properties when the collection has lambdas', () => {
    expect(filterError("category eq 'RoleManagement'", directoryAudits)).toEqual(
      badRequest(
        "Invalid $filter: property 'category' is not supported for directoryAudits. " +
          'Supported properties: activityDisplayName, activityDateTime, initiatedBy/user/id, result, targetResources/any(...).',
      ),
    );
  });

  it('rejects any() over a collection that is not declared', () => {
    expect(filterError("additionalDetails/any(d: d/key eq 'x')", directoryAudits).message).toBe(
      "Invalid $filter: property 'additionalDetails/any(...)' is not supported for directoryAudits. " +
        'Supported properties: activityDisplayName, activityDateTime, initiatedBy/user/id, result, targetResources/any(...).',
    );
  });

  it('rejects an unknown property inside any(), listing the item properties', () => {
    expect(filterError("targetResources/any(t: t/displayName eq 'x')", directoryAudits)).toEqual(
      badRequest(
        "Invalid $filter: property 't/displayName' is not supported inside targetResources/any() of directoryAudits. Supported properties: t/id, t/type.",
      ),
    );
  });

  it('does not mistake prototype members for properties', () => {
    expect(filterError("constructor eq 'x'", roleDefinitions).message).toMatch(/^Invalid \$filter: property 'constructor' is not supported/);
  });

  it('rejects an operator the property does not support', () => {
    expect(filterError("startswith(id,'62e9')", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: operator 'startswith' is not supported on property 'id' of roleDefinitions. Supported operators: eq, ne."),
    );
    expect(filterError("id in ('a')", roleDefinitions).message).toBe(
      "Invalid $filter: operator 'in' is not supported on property 'id' of roleDefinitions. Supported operators: eq, ne.",
    );
  });

  it('rejects an operator inside any() the item property does not support', () => {
    expect(filterError(`targetResources/any(t: t/id ne '${ALICE}')`, directoryAudits)).toEqual(
      badRequest("Invalid $filter: operator 'ne' is not supported on property 't/id' inside targetResources/any() of directoryAudits. Supported operators: eq."),
    );
  });

  it('rejects a comparison with null where the property does not allow it, naming eq null', () => {
    expect(filterError('id eq null', roleDefinitions)).toEqual(
      badRequest("Invalid $filter: operator 'eq null' is not supported on property 'id' of roleDefinitions. Supported operators: eq, ne."),
    );
  });

  it('rejects ordering comparisons with null even where null is allowed', () => {
    expect(filterError('directoryScopeId gt null', requests)).toEqual(
      badRequest(
        "Invalid $filter: operator 'gt null' is not supported on property 'directoryScopeId' of roleAssignmentScheduleRequests. " +
          'Supported operators: eq, ne, eq null, ne null.',
      ),
    );
  });
});

describe('$filter type mismatches', () => {
  it('rejects a boolean property compared with a string', () => {
    expect(filterError("isBuiltIn eq 'true'", roleDefinitions)).toEqual(
      badRequest("Invalid $filter: property 'isBuiltIn' of roleDefinitions expects true or false, not the string 'true'."),
    );
  });

  it('rejects a quoted datetime, saying how to write one', () => {
    expect(filterError("activityDateTime ge '2026-01-01T00:00:00Z'", directoryAudits)).toEqual(
      badRequest(
        "Invalid $filter: property 'activityDateTime' of directoryAudits expects an unquoted ISO 8601 datetime such as 2026-01-01T00:00:00Z, not the string '2026-01-01T00:00:00Z'.",
      ),
    );
  });

  it('rejects a number property compared with a string', () => {
    expect(filterError("priority gt '5'", requests).message).toBe(
      "Invalid $filter: property 'priority' of roleAssignmentScheduleRequests expects a number, not the string '5'.",
    );
  });

  it('rejects an unquoted GUID for a property declared as a plain string', () => {
    expect(filterError(`initiatedBy/user/id eq ${ALICE}`, directoryAudits).message).toBe(
      `Invalid $filter: property 'initiatedBy/user/id' of directoryAudits expects a quoted string such as 'value', not the GUID ${ALICE}.`,
    );
  });

  it('checks every value of an in list', () => {
    expect(filterError(`principalId in ('${ALICE}', 42)`, requests).message).toBe(
      "Invalid $filter: property 'principalId' of roleAssignmentScheduleRequests expects a GUID, quoted or not, not the number 42.",
    );
  });

  it('rejects startswith with a non-string literal', () => {
    expect(filterError('startswith(displayName, 42)', roleDefinitions).message).toBe(
      "Invalid $filter: startswith on 'displayName' of roleDefinitions expects a quoted string, not the number 42.",
    );
  });

  it('throws an Error subclass that carries the Graph error code', () => {
    const error = errorOf(() => compileFilter("isBuiltIn eq 'yes'", roleDefinitions));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ODataQueryError');
    expect(error.code).toBe('BadRequest');
  });
});

describe('$orderby', () => {
  const auditOrder: OrderBySpec = { entitySet: 'directoryAudits', properties: ['activityDateTime'] };
  const roleOrder: OrderBySpec = { entitySet: 'roleDefinitions', properties: ['displayName', 'isBuiltIn', 'template/version'] };
  const ids = (rows: readonly { id: string }[], orderBy: string, spec: OrderBySpec): string[] =>
    [...rows].sort(compileOrderBy(orderBy, spec)).map((row) => row.id);

  it('sorts ascending by default, as instants even when offsets differ', () => {
    expect(ids(audits, 'activityDateTime', auditOrder)).toEqual(['a4', 'a1', 'a2', 'a3']);
    expect(ids(audits, 'activityDateTime asc', auditOrder)).toEqual(['a4', 'a1', 'a2', 'a3']);
  });

  it('sorts descending with desc, in any case, putting nulls last', () => {
    expect(ids(audits, 'activityDateTime DESC', auditOrder)).toEqual(['a3', 'a2', 'a1', 'a4']);
  });

  it('sorts strings case-insensitively', () => {
    const rows = [
      { id: 'b', displayName: 'beta' },
      { id: 'A', displayName: 'Alpha' },
      { id: 'C', displayName: 'Charlie' },
    ];
    expect(ids(rows, 'displayName', roleOrder)).toEqual(['A', 'b', 'C']);
  });

  it('breaks ties with the next key', () => {
    const sorted = ids(roles, 'isBuiltIn desc, displayName', roleOrder);
    expect(sorted).toEqual([roles[0]!.id, roles[2]!.id, roles[1]!.id, roles[3]!.id]);
  });

  it('sorts by nested paths', () => {
    const rows = [
      { id: 'x', template: { version: 2 } },
      { id: 'y', template: { version: 1 } },
      { id: 'z' },
    ];
    expect(ids(rows, 'template/version', roleOrder)).toEqual(['z', 'y', 'x']);
  });

  it('rejects an unknown property, listing the supported ones', () => {
    expect(errorOf(() => compileOrderBy('x', auditOrder))).toMatchObject(
      badRequest("Invalid $orderby: property 'x' is not supported for directoryAudits. Supported properties: activityDateTime."),
    );
  });

  it('reports syntax errors with their position', () => {
    expect(errorOf(() => compileOrderBy('activityDateTime up', auditOrder))).toMatchObject(
      badRequest("Invalid $orderby: expected 'asc', 'desc', ',' or end of input after 'activityDateTime' at position 17."),
    );
    expect(errorOf(() => compileOrderBy('activityDateTime desc,', auditOrder))).toMatchObject(
      badRequest("Invalid $orderby: expected a property name after ',' at position 22."),
    );
  });
});
