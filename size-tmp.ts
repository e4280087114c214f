import { SNAPSHOT_DESCRIPTION_PATTERN, PLUGIN_VALUE_ALLOWED_PATTERN } from './lib/plugin/parameters';
console.log(PLUGIN_VALUE_ALLOWED_PATTERN); console.log(SNAPSHOT_DESCRIPTION_PATTERN);
const r = new RegExp(SNAPSHOT_DESCRIPTION_PATTERN);
for (const v of ['', 'a', 'ab', 'a,b', 'a\\b', "it's", 'http://x', 'x'.repeat(256), 'x'.repeat(257), 'a\nb', 'Nightly snapshot']) console.log(JSON.stringify(v).slice(0,20), r.test(v));
