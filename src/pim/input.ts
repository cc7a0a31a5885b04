import { NullableObject, NullableString, Type, type Static } from '../schema.js';

/** Graph's optional OData type annotation, accepted on the body and every nested object. */
const odataType = () => Type.Optional(Type.String());

/**
 * The body of POST …ScheduleRequests: Graph's properties only (an unknown one is a 400, as Graph's
 * deserializer gives), any enum casing. The schema the route validates and the type the engine reads.
 */
export const RequestInputSchema = Type.Object(
  {
    '@odata.type': odataType(),
    action: Type.String(),
    principalId: Type.Optional(Type.String()),
    roleDefinitionId: Type.Optional(Type.String()),
    directoryScopeId: Type.Optional(NullableString()),
    appScopeId: Type.Optional(NullableString()),
    justification: Type.Optional(NullableString()),
    customData: Type.Optional(NullableString()),
    isValidationOnly: Type.Optional(Type.Boolean()),
    ticketInfo: Type.Optional(
      NullableObject(Type.Object({ '@odata.type': odataType(), ticketNumber: Type.Optional(NullableString()), ticketSystem: Type.Optional(NullableString()) }, { additionalProperties: false })),
    ),
    scheduleInfo: Type.Optional(
      NullableObject(
        Type.Object(
          {
            '@odata.type': odataType(),
            startDateTime: Type.Optional(NullableString()),
            recurrence: Type.Optional(Type.Unknown()),
            expiration: Type.Optional(
              NullableObject(
                Type.Object(
                  { '@odata.type': odataType(), type: Type.Optional(NullableString()), endDateTime: Type.Optional(NullableString()), duration: Type.Optional(NullableString()) },
                  { additionalProperties: false },
                ),
              ),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type RequestInput = Static<typeof RequestInputSchema>;

/**
 * The body of POST …/privilegedAccess/group/{assignment|eligibility}ScheduleRequests
 * (pim-groups-reference §2.1): accessId and groupId in place of roleDefinitionId and scopes.
 */
export const GroupRequestInputSchema = Type.Object(
  {
    '@odata.type': odataType(),
    action: Type.String(),
    accessId: Type.Optional(Type.String()),
    groupId: Type.Optional(Type.String()),
    principalId: Type.Optional(Type.String()),
    justification: Type.Optional(NullableString()),
    customData: Type.Optional(NullableString()),
    isValidationOnly: Type.Optional(Type.Boolean()),
    ticketInfo: RequestInputSchema.properties.ticketInfo,
    scheduleInfo: RequestInputSchema.properties.scheduleInfo,
  },
  { additionalProperties: false },
);

export type GroupRequestInput = Static<typeof GroupRequestInputSchema>;

/** The engine's words for a group request: accessId → roleDefinitionId, groupId → directoryScopeId (pim/group.ts). */
export function groupInputToEngine(b: GroupRequestInput): RequestInput {
  const { accessId, groupId, ...rest } = b;
  return { ...rest, ...(accessId !== undefined ? { roleDefinitionId: accessId } : {}), ...(groupId !== undefined ? { directoryScopeId: groupId } : {}) };
}
