import { jqSubsetProblems } from './lib/oos/lint/jq-subset';
import { INSTANCE_SELECTORS } from './lib/instance-template';
import { ENROLLMENT_SELECTORS } from './lib/enrollment';
import { RETENTION_SELECTORS, RETENTION_PAGE_SELECTOR } from './lib/retention';
const all: Record<string,string> = { ...INSTANCE_SELECTORS, ...ENROLLMENT_SELECTORS, ...Object.fromEntries(Object.entries(RETENTION_SELECTORS).map(([k,v]) => ['ret.'+k, v])), page: RETENTION_PAGE_SELECTOR };
for (const [k, v] of Object.entries(all)) console.log(k, JSON.stringify(jqSubsetProblems(v)));
for (const t of ['.a // "x"', '"\\(.a)"', 'error("x")', 'any(.[]; . == 1)', '.[2:]', '{(.):null}', '{a, b: (.c | length)}', 'if . then 1 elif . then 2 else 3 end', '.. | .a', '@base64', '.a |= 1', 'map(select(.TagKey as $tagKey | {{tagKeys}} | index($tagKey) >=0))', '.|(.imageId),"{{ ACS::TaskLoopItem }}"', 'range(0; length; 50)', 'range(0; 5)', 'ltrimstr("x")', 'IN(1,2)', 'capture("x")', 'empty']) console.log(t, JSON.stringify(jqSubsetProblems(t)));
