import { findEcsApi } from './lib/oos/lint/ecs-sdk-model';
import { requestConstraints } from './test/e2e/ecs-sdk-constraints';
for (const api of ['DescribeInstances','DescribeCloudAssistantStatus','DescribeInstanceRamRole','DescribeDisks','DescribeSnapshotGroups','TagResources','DescribeSnapshots','DeleteSnapshotGroup','AttachInstanceRamRole','CreateSnapshotGroup']) {
  const m = findEcsApi(api)!.model;
  console.log(api, JSON.stringify([...requestConstraints(m)].map(([k, c]) => [k, { r: c.required, i: c.items, v: c.value, l: c.length, u: c.noUrlPrefix }])));
}
