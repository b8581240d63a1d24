import t from 'tap';
import { placeholder } from '../src/index.ts';
t.equal(placeholder, true);
t.test('sub', async (t) => { t.ok(1); t.skip('later'); });
