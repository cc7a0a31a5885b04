import { Type, type Static, type TObject } from '@sinclair/typebox';

export type { TObject };

/**
 * Schemas as types (TypeBox): one definition is both the JSON schema the validators compile and the
 * TypeScript type the code reads (Static<typeof X>). The helpers below keep the JSON shapes the
 * emulator has always validated with — `type: ['string', 'null']` rather than TypeBox's anyOf — so
 * Ajv's messages, which clients see in error bodies, stay exactly as they were.
 */
export { Type, type Static };

/** `{ type: ['string', 'null'] }`: Ajv reports a wrong value as "must be string,null". */
export const NullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });

/** An object that may also be null: `{ type: ['object', 'null'], … }`. */
export const NullableObject = <T extends TObject>(o: T) => Type.Unsafe<Static<T> | null>({ ...o, type: ['object', 'null'] });

/** `{ type: 'string', enum: [...] }` (not TypeBox's anyOf of literals), typed as the union of the values. */
export const StringEnum = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });
