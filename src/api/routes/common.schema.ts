// Pieces shared by the response schemas of several routes.
import { z } from 'zod';
import { SOURCE_NAMES } from '../../domain/record.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

export const dateSchema = z.string().meta({ format: 'date' });

export const sourceSchema = z.enum(SOURCE_NAMES);
