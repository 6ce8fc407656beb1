// Password hashing as a dependency: argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane),
// stored as a PHC string. Verification reads the parameters from the stored string, so raising
// them later keeps old hashes valid. @node-rs/argon2 hashes on libuv's thread pool.
import { hash, verify, type Options } from '@node-rs/argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
}

export const ARGON2ID_OPTIONS: Options = {
  // Algorithm is a const enum in the typings, which type stripping cannot inline: 2 = Argon2id.
  algorithm: 2,
  memoryCost: 19_456, // KiB
  timeCost: 2,
  parallelism: 1,
};

export function createPasswordHasher(options: Options = ARGON2ID_OPTIONS): PasswordHasher {
  return {
    hash: (password) => hash(password, options),
    verify: async (phc, password) => {
      try {
        return await verify(phc, password);
      } catch {
        return false; // a stored string that is not a valid PHC hash matches nothing
      }
    },
  };
}
