// The rules for usernames and passwords, as the schemas that validate request bodies and
// describe them in the OpenAPI document (docs/api.md repeats them for people).
// Passwords follow NIST SP 800-63B: length matters, composition rules do not; any printable
// Unicode is allowed and normalized to NFC so the same password typed on two systems matches.
import { z } from 'zod';

export const USERNAME_RULE = '3 to 32 characters: lower-case letters a-z, digits, ".", "_" or "-", starting with a letter or digit';
export const PASSWORD_RULE = '8 to 128 characters (Unicode, NFC-normalized), no control characters, not equal to the username';

const required = { error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : 'must be a string') };

export const usernameSchema = z
  .string(required)
  .regex(/^[a-z0-9][a-z0-9._-]{2,31}$/, { error: `must be ${USERNAME_RULE}` })
  .meta({ description: USERNAME_RULE, example: 'alice' });

export const passwordSchema = z
  .string(required)
  .transform((password) => password.normalize('NFC'))
  .refine((password) => [...password].length >= 8 && [...password].length <= 128, { error: 'must be 8 to 128 characters' })
  .refine((password) => !/\p{Cc}/u.test(password), { error: 'must not contain control characters' })
  .meta({ description: PASSWORD_RULE, example: 'correct horse battery staple' });

export const credentialsSchema = z
  .strictObject({ username: usernameSchema, password: passwordSchema })
  .refine(({ username, password }) => username !== password, { error: 'must not equal the username', path: ['password'] })
  .meta({ id: 'Credentials' });

export type Credentials = z.output<typeof credentialsSchema>;
