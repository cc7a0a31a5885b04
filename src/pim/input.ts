/** The body of POST …ScheduleRequests after schema validation (Graph's names, any enum casing). */
export interface RequestInput {
  action: string;
  principalId?: string;
  roleDefinitionId?: string;
  directoryScopeId?: string | null;
  appScopeId?: string | null;
  justification?: string | null;
  ticketInfo?: { ticketNumber?: string | null; ticketSystem?: string | null } | null;
  scheduleInfo?: {
    startDateTime?: string | null;
    recurrence?: unknown;
    expiration?: { type?: string | null; endDateTime?: string | null; duration?: string | null } | null;
  } | null;
  isValidationOnly?: boolean;
  customData?: string | null;
}
