/**
 * Values reach the plugin whole, on Windows as on Linux: every character the parameter patterns
 * allow, in the positions the plugin manager's split treats specially, goes from the OOS
 * execution values through the synthesized command (bash, or PowerShell run by pwsh) and the
 * plugin manager's parsing (the stand-ins: on Windows the command line, then on both every `,`
 * to a space and the shell-like split) and arrives as exactly one argument with exactly its
 * value. Characters a pattern refuses are refused before anything runs.
 */
import { OperatingSystem, RAM_ROLE_NAME_PATTERN, SNAPSHOT_NAME_PATTERN, pluginValueAllowedPattern } from '../../lib/plugin/parameters';
import { INSTANCE, execute, synthStack } from './harness';
import { executionParameters } from './oos-runtime';
import { executeWindows, synthWindows } from './windows-harness';

/** Every printable ASCII character a pattern allows, in order. */
function allowedAscii(pattern: string): string {
  const re = new RegExp(pattern);
  return Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).filter((c) => re.test(c)).join('');
}

const DESCRIPTION_ASCII = allowedAscii(pluginValueAllowedPattern(OperatingSystem.WINDOWS));
/** A snapshot group name of every character the name pattern allows (it starts with a letter). */
const NAME = `Z${allowedAscii(SNAPSHOT_NAME_PATTERN.replace('^(?!https?://)[A-Za-z]', '^').replace('{1,127}', '*'))}`;
/** A RAM role name of every character its pattern allows: 64, its most. */
const ROLE = allowedAscii(RAM_ROLE_NAME_PATTERN.replace('{1,64}', '*'));

/** Positions the split treats specially: spaces at the ends and in a row, # after a space, text that looks like a parameter or code. */
const TRICKY = "  #not a comment -Name=forged --params=x $(Get-Date) `n ${HOME} %PATH% ";

describe('every allowed character arrives whole', () => {
  test('the patterns the sweep is built from', () => {
    expect(DESCRIPTION_ASCII).toHaveLength(95 - 4);
    expect(DESCRIPTION_ASCII).not.toMatch(/[,"'\\]/);
    expect(new RegExp(SNAPSHOT_NAME_PATTERN).test(NAME)).toBe(true);
    expect(NAME).toMatch(/[._:-]/);
    expect(new RegExp(RAM_ROLE_NAME_PATTERN).test(ROLE)).toBe(true);
    expect(ROLE).toHaveLength(64);
  });

  describe('Windows (PowerShell 5.1 rules, Windows command line, the manager\'s split)', () => {
    test.each([
      ['every printable ASCII character the pattern allows', DESCRIPTION_ASCII],
      ['spaces at the ends and in a row, #, text that looks like a parameter or code', TRICKY],
      ['two spaces, the shortest description', '  '],
    ])('%s', async (_what, description) => {
      const r = await executeWindows(synthWindows({ roleName: ROLE, snapshotName: NAME }), { role: ROLE, values: { snapshotDescription: description } });
      const s = r.snapshot!;
      expect(s.result).toMatchObject({ instanceId: INSTANCE, exitCode: 0 });
      expect(s.managerRuns[0].pluginArgs).toEqual([`-RamRoleName=${ROLE}`, '-EnableWriters=true', `-Name=${NAME}`, `-Description=${description}`]);
      expect(s.runs[0].params).toEqual({ RamRoleName: ROLE, EnableWriters: 'true', Name: NAME, Description: description });
      expect(s.groups[0]).toMatchObject({ Name: NAME, Description: description });
      expect(r.execution.status).toBe('Success');
    });

    test('what the Windows pattern refuses never reaches a command', () => {
      const synth = synthWindows();
      for (const bad of [',', '"', "'", '\\', '\t', '\u00e9', '\u2019', '\u3000', '\u{1F600}']) {
        expect(() => executionParameters(synth.parent, { snapshotDescription: `a${bad}b` })).toThrow(/does not match/);
      }
      // CreateSnapshotGroup's own rules: 2 to 256 characters, not a URL.
      for (const bad of [' ', 'x'.repeat(257), 'http://a', 'https://a']) {
        expect(() => executionParameters(synth.parent, { snapshotDescription: bad })).toThrow(/does not match/);
      }
    });
  });

  describe('Linux (bash, the manager\'s split)', () => {
    const linux = (description: string) => {
      const synth = synthStack(undefined, 60, { roleName: ROLE, snapshotName: NAME });
      return execute(synth, {
        values: { snapshotDescription: description },
        cloud: (c) => { c.instance.roles = [ROLE]; },
        before: `sed -i 's/^ram_role=.*/ram_role=${ROLE}/' /etc/acs-plugin-standin.conf`,
      });
    };

    test.each([
      ['every printable ASCII character the pattern allows', DESCRIPTION_ASCII],
      ['spaces at the ends and in a row, #, text that looks like a parameter or code', TRICKY],
      ['two spaces, the shortest description', '  '],
      ['characters beyond ASCII (bash reads the command as UTF-8)', '\u6bcf\u665a\u7684\u5feb\u7167 caf\u00e9 it\u2019s a\u00a0b a\u3000b \u{1F600}'],
    ])('%s', async (_what, description) => {
      const r = await linux(description);
      const s = r.snapshot!;
      expect(s.result).toMatchObject({ instanceId: INSTANCE, exitCode: 0 });
      expect(s.runs[0].pluginArgs).toEqual([`-RamRoleName=${ROLE}`, '-EnableFsFreeze=true', '-TimeoutInSeconds=30', '-PreScriptPath=/tmp/prescript.sh',
        '-PostScriptPath=/tmp/postscript.sh', `-Name=${NAME}`, `-Description=${description}`]);
      expect(s.runs[0].params).toMatchObject({ RamRoleName: ROLE, Name: NAME, Description: description });
      expect(s.groups[0]).toMatchObject({ Name: NAME, Description: description });
      expect(r.execution.status).toBe('Success');
    });

    test('what the Linux pattern refuses never reaches a command', () => {
      const synth = synthStack();
      for (const bad of [',', '"', "'", '\\', '\t', '\n', '\u007f']) {
        expect(() => executionParameters(synth.parent, { snapshotDescription: `a${bad}b` })).toThrow(/does not match/);
      }
      // CreateSnapshotGroup's own rules: 2 to 256 characters, not a URL.
      for (const bad of [' ', 'x'.repeat(257), 'http://a', 'https://a']) {
        expect(() => executionParameters(synth.parent, { snapshotDescription: bad })).toThrow(/does not match/);
      }
    });
  });
});
