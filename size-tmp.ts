import { buildSnapshotCommand } from './lib/plugin/command';
import { OperatingSystem } from './lib/plugin/parameters';
const c = buildSnapshotCommand({ os: OperatingSystem.LINUX, instanceId: '{{ instanceId }}', pluginParams: { RamRoleName: '{{ ramRoleName }}', EnableFsFreeze: '{{ enableFsFreeze }}', TimeoutInSeconds: '{{ timeoutInSeconds }}', PreScriptPath: '/tmp/prescript.sh', PostScriptPath: '/tmp/postscript.sh', ExcludeDiskId: '{{ excludeDiskId }}', Name: '{{ snapshotName }}', Description: '{{ snapshotDescription }}' }, requireAppConsistent: '{{ x }}', deadlineSeconds: '600', scriptChecksums: { prescript: 'a'.repeat(64), postscript: 'b'.repeat(64) }, preflight: { ramRoleName: '{{ r }}', excludeDiskId: '{{ e }}', attachedRoles: '{{ a }}', disks: '{{ d }}' } });
console.log('snapshot', Buffer.from(c).toString('base64').length);
console.log(c.split("<<'APP_SNAPSHOT_BODY_EOF'")[0]);
