/**
 * Imported for its effect: zod's built-in issues in English. Classic zod loads its English messages
 * by itself; mini loads none, and every built-in issue reads "Invalid input" (the path still says
 * where). Imported where a person reads the issue first-hand: the HTTP API's 400s (shared/http/api)
 * and the tenant configuration checked at synth and by the local stack. Functions that only read
 * configuration already checked at synth go without these 2 KB.
 */
import * as z from 'zod/mini';
import { englishMessage } from './english-messages';

z.config({ localeError: englishMessage });
