import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { portableSchema } from '../../src/tools/portable-schema.js';

/** What zod emits, and what agents get instead. */
const CASES: Array<[what: string, zod: Record<string, unknown>, portable: Record<string, unknown>]> = [
  [
    'a nullable field: one type per anyOf branch; constraints and annotations stay where they were',
    { type: ['string', 'null'], minLength: 2, description: 'd' },
    { anyOf: [{ type: 'string' }, { type: 'null' }], minLength: 2, description: 'd' },
  ],
  [
    'a loose object: no additionalProperties {}, no propertyNames string, no empty properties',
    { type: 'object', properties: {}, propertyNames: { type: 'string' }, additionalProperties: {} },
    { type: 'object' },
  ],
  ['an array of anything', { type: 'array', items: {} }, { type: 'array' }],
  [
    'properties named like keywords are names, not keywords',
    { type: 'object', properties: { type: { type: ['number', 'null'] }, items: {}, additionalProperties: {} } },
    {
      type: 'object',
      properties: { type: { anyOf: [{ type: 'number' }, { type: 'null' }] }, items: {}, additionalProperties: {} },
    },
  ],
  [
    'inside anyOf, items and properties',
    {
      anyOf: [
        { type: 'array', items: { type: 'object', properties: { a: { type: ['string', 'null'] } } } },
        { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
        { type: 'null' },
      ],
    },
    {
      anyOf: [
        {
          type: 'array',
          items: { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] } } },
        },
        { type: 'object' },
        { type: 'null' },
      ],
    },
  ],
  [
    'values are not schemas: examples, default, enum and const are copied as they are',
    {
      type: 'object',
      examples: [{ type: ['a', 'null'], items: {} }],
      default: { additionalProperties: {} },
      properties: { e: { enum: ['x', null] }, c: { const: { properties: {} } } },
    },
    {
      type: 'object',
      examples: [{ type: ['a', 'null'], items: {} }],
      default: { additionalProperties: {} },
      properties: { e: { enum: ['x', null] }, c: { const: { properties: {} } } },
    },
  ],
  [
    'what says something stays: a closed or typed additionalProperties, other propertyNames, not {}',
    {
      type: 'object',
      properties: { a: { type: 'object', additionalProperties: false }, n: { not: {} } },
      additionalProperties: { type: 'integer' },
      propertyNames: { type: 'string', maxLength: 3 },
    },
    {
      type: 'object',
      properties: { a: { type: 'object', additionalProperties: false }, n: { not: {} } },
      additionalProperties: { type: 'integer' },
      propertyNames: { type: 'string', maxLength: 3 },
    },
  ],
];

/** JSON values, with objects keyed like the schemas above so their properties get exercised. */
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(fc.constantFrom('a', 'c', 'e', 'n', 'type', 'items', 'additionalProperties', 'long'), tie('any'), {
      maxKeys: 4,
    }),
    fc.array(tie('any'), { maxLength: 3 }),
  ),
})).any;

describe('portableSchema', () => {
  test.each(CASES)('%s', (_, zod, portable) => {
    expect(portableSchema(zod)).toEqual(portable);
  });

  test('accepts exactly what the schema accepted (the SDK v1 client validator, random JSON values)', () => {
    const ajv = new AjvJsonSchemaValidator();
    for (const [what, zod] of CASES) {
      const before = ajv.getValidator(zod);
      const after = ajv.getValidator(portableSchema(zod));
      fc.assert(
        fc.property(value, (v) => {
          expect(after(v).valid, `${what}: ${JSON.stringify(v)}`).toBe(before(v).valid);
        }),
        { numRuns: 300 },
      );
    }
  });

  test('leaves its input alone', () => {
    const zod = { type: ['string', 'null'], items: {} };
    portableSchema(zod);
    expect(zod).toEqual({ type: ['string', 'null'], items: {} });
  });
});
