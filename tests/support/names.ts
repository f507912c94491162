// Names of what a test file creates on the shared Postgres and Redis: a database `paperboy_test_<label>_<random>`
// and a BullMQ prefix `pbtest-<label>-<random>`. TEST_RUN_TAG (a–z, 0–9, up to 12) puts a run's tag after the
// first word, so two suites running side by side (scripts/soak.sh) can never share a name, and what a run
// leaves behind says which run it was.
import { randomBytes } from 'node:crypto';

const tag = process.env.TEST_RUN_TAG ?? '';
if (!/^[a-z0-9]{0,12}$/.test(tag)) throw new Error(`TEST_RUN_TAG must be up to 12 of a-z and 0-9, got "${tag}"`);

const word = (label: string) => label.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
const unique = () => randomBytes(4).toString('hex');

export const testDatabaseName = (label: string) => ['paperboy_test', tag, word(label), unique()].filter(Boolean).join('_');
export const testQueuePrefix = (label: string) => ['pbtest', tag, label, unique()].filter(Boolean).join('-');
