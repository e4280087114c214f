import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot } from '../lib/app-consistent-snapshot';
import { groupRpo } from '../lib/audit/evaluate';
import { NotifyOn } from '../lib/notify';
import { SECRET_PARAMETER_ACTIONS } from '../lib/oos/required-actions';
import { OperatingSystem } from '../lib/plugin/parameters';
import { parsePosture } from '../lib/posture/loader';
import { Schedule } from '../lib/schedule';
import { newApp } from './helpers';

const base = { os: OperatingSystem.LINUX, instanceIds: ['i-bp1notifytest0001'], schedule: Schedule.rate(1, 'days') };
const group = (notify: unknown, more: Record<string, unknown> = {}) => {
  const stack = new ros.Stack(newApp(), 'prod');
  return new AppConsistentSnapshot(stack, 'db', { ...base, groupName: 'db', notify: notify as any, ...more });
};

describe('notify (construct option)', () => {
  test('GIVEN a secret parameter WHEN synthesized THEN the schedule references it and the execution role may read it', () => {
    const g = group({ webhookSecretParameter: 'team-dingtalk-hook', on: NotifyOn.ALWAYS });
    expect(g.schedule!.document.Parameters.notifyWebhook.Default).toBe('{{oos-secret:team-dingtalk-hook}}');
    expect(g.schedule!.document.Parameters.notifyOn.Default).toBe('always');
    expect(g.executionRole!.actions).toEqual(expect.arrayContaining(['oos:ListExecutions', ...SECRET_PARAMETER_ACTIONS]));
  });

  test('without notify the scheduled template and the role are unchanged', () => {
    const g = group(undefined);
    expect(g.schedule!.document.Tasks.map((t) => t.Name)).toEqual(['timerTrigger', 'takeSnapshots']);
    expect(g.executionRole!.actions).not.toContain('oos:ListExecutions');
  });

  test.each([
    [{ webhookSecretParameter: 'https://oapi.dingtalk.com/robot/send?access_token=x' }, /`notify.webhookSecretParameter` must be the name of an OOS encrypted parameter, not the URL/],
    [{ webhookSecretParameter: 'bad name!' }, /`notify.webhookSecretParameter` must be 1 to 180 letters/],
    [{ webhookSecretParameter: 'oos-reserved' }, /must not start with ALIYUN, ACS, ALIBABA, ALICLOUD or OOS/],
    [{ webhookSecretParameter: 'ok-name', on: 'sometimes' }, /`notify.on` must be one of failures, always/],
  ])('refuses %j', (notify, message) => {
    expect(() => group(notify)).toThrow(message);
  });

  test('refuses notify on a group without a schedule', () => {
    expect(() => group({ webhookSecretParameter: 'hook' }, { schedule: undefined })).toThrow(/`notify` applies to scheduled runs/);
  });
});

describe('posture keys notify and rpoHours', () => {
  const doc = (top: Record<string, unknown>, g: Record<string, unknown> = {}) => ({
    version: 1, postureName: 'prod', ...top,
    groups: [{ name: 'db', os: 'linux', instances: ['i-bp1notifytest0001'], schedule: 'rate(1 days)', ...g }, { name: 'adhoc', os: 'linux', instances: ['i-bp1notifytest0002'] }],
  });

  test('notify reaches every scheduled group, rpoHours its group', () => {
    const p = parsePosture(doc({ notify: { webhook: { secretParameter: 'hook' }, on: 'always' } }, { rpoHours: 30 }), '.');
    expect(p.notify).toEqual({ webhookSecretParameter: 'hook', on: 'always' });
    expect(p.groups[0].options.notify).toEqual({ webhookSecretParameter: 'hook', on: 'always' });
    expect(p.groups[1].options.notify).toBeUndefined();
    expect(p.groups[0].rpoHours).toBe(30);
    expect(p.groups[1].rpoHours).toBeUndefined();
  });

  test.each([
    [{ notify: { webhook: 'https://oapi.dingtalk.com/robot/send?access_token=x' } }, {}, /`notify.webhook` must name the OOS encrypted parameter that holds the URL/],
    [{ notify: { on: 'always' } }, {}, /`notify.webhook` is required/],
    [{ notify: { webhook: { secretParameter: 'hook', url: 'x' } } }, {}, /`notify.webhook.url` is not a known key/],
    [{ notify: { webhook: { secretParameter: 'hook' }, on: 'never' } }, {}, /`notify.on` must be one of failures, always/],
    [{}, { rpoHours: 0 }, /`groups\[0\].rpoHours` must be a number of hours above 0/],
    [{}, { rpoHours: '24' }, /`groups\[0\].rpoHours` must be a number/],
  ])('refuses %j %j', (top, g, message) => {
    expect(() => parsePosture(doc(top, g), '.')).toThrow(message);
  });
});

describe('the default RPO', () => {
  const now = new Date('2024-05-10T09:00:00Z');
  test.each([
    [Schedule.cron('0 0 2 ? * *'), { hours: 26.4, source: 'schedule', longestGapHours: 24, marginHours: 2.4 }],
    [Schedule.cron('0 30 1 ? * MON-FRI'), { hours: 79.2, source: 'schedule', longestGapHours: 72, marginHours: 7.2 }],
    [Schedule.rate(15, 'minutes'), { hours: 1.25, source: 'schedule', longestGapHours: 0.25, marginHours: 1 }],
    [Schedule.at('2030-01-01T00:00:00Z'), { hours: null, source: 'none', longestGapHours: null, marginHours: null }],
    [undefined, { hours: null, source: 'none', longestGapHours: null, marginHours: null }],
  ])('%#: the longest gap plus a tenth of it, at least an hour', (schedule, rpo) => {
    expect(groupRpo(undefined, schedule, now)).toEqual(rpo);
  });

  test('rpoHours wins', () => {
    expect(groupRpo(12, Schedule.rate(1, 'days'), now)).toEqual({ hours: 12, source: 'posture', longestGapHours: null, marginHours: null });
  });
});
