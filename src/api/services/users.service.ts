// Registration and key re-issue. Passwords are hashed before anything else happens, and a
// login for a user that does not exist is verified against a dummy hash, so a wrong username
// and a wrong password take the same time and get the same answer.
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { PasswordHasher } from '../repositories/password-hasher.ts';
import type { UsersRepository } from '../repositories/users.repository.ts';
import { apiKeyDigest, generateApiKey } from './api-key-format.ts';
import type { ApiKeyService } from './api-key.service.ts';
import type { Credentials } from './credentials.ts';

export interface IssuedKey {
  username: string;
  apiKey: string;
}

export interface UsersService {
  register(credentials: Credentials): Promise<IssuedKey>;
  /** Issues a new key and revokes the old one at once. */
  recreateApiKey(credentials: Credentials): Promise<IssuedKey>;
}

export interface UsersServiceDeps {
  users: UsersRepository;
  hasher: PasswordHasher;
  apiKeys: Pick<ApiKeyService, 'forget'>;
  generateKey?: () => string;
}

export async function createUsersService({ users, hasher, apiKeys, generateKey = generateApiKey }: UsersServiceDeps): Promise<UsersService> {
  const dummyHash = await hasher.hash(randomBytes(24).toString('base64'));

  return {
    async register({ username, password }) {
      const passwordHash = await hasher.hash(password);
      const apiKey = generateKey();
      if (!(await users.createWithKey(username, passwordHash, apiKeyDigest(apiKey)))) {
        throw new AppError('username_taken', `the username '${username}' is taken`);
      }
      return { username, apiKey };
    },

    async recreateApiKey({ username, password }) {
      const user = await users.findByUsername(username);
      const valid = await hasher.verify(user?.passwordHash ?? dummyHash, password);
      if (!user || !valid) throw new AppError('invalid_credentials', 'wrong username or password');
      const apiKey = generateKey();
      apiKeys.forget(await users.replaceKey(user.id, apiKeyDigest(apiKey)));
      return { username, apiKey };
    },
  };
}
