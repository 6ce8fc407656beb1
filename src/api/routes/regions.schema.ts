// The /v1/regions answer: the places beyond one country (SPEC 6.1) and their members.
import { z } from 'zod';
import { PLACES } from '../../domain/regions.ts';

export const placeSchema = z
  .object({
    place: z.enum(PLACES).meta({ description: 'the code /v1 takes wherever it takes a country' }),
    name: z.string(),
    aliases: z.array(z.string()).meta({ description: "older WHO files' code, accepted as the same place" }),
    members: z.array(z.string()).meta({
      description:
        "ISO codes of the countries summed: for WORLD every country with data, for a region the countries whose latest WHO row names it",
    }),
  })
  .meta({
    id: 'Place',
    example: { place: 'EUR', name: 'European Region', aliases: ['EURO'], members: ['AD', 'AL', 'AM', '…', 'RU', '…'] },
  });

export const regionsSchema = z.object({ regions: z.array(placeSchema) });
