/** Every test process has a reference key, as every Baton process does (set at start). */
import { useRefKey } from '../../shared/log/logger';

useRefKey('jest-reference-key-0123456789abcdef');
