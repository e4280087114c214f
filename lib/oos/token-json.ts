import * as ros from '@alicloud/ros-cdk-core';

/**
 * JSON text of an object that may hold ROS tokens (parameter references) as whole values.
 * Without tokens, the plain text. With tokens, an `Fn::Join` whose parts are the literal JSON
 * around each token: a string token becomes a JSON string, a number token a bare number, a list
 * token a JSON array of strings. ROS resolves it at deployment, so an OOS template can carry a
 * stack parameter's value as its default. Values that contain a token inside a longer string
 * are refused: their JSON escaping could not be guaranteed.
 */
export function toJsonWithTokens(value: unknown, indent?: number): string {
  const tokens: Array<{ kind: 'string' | 'raw' | 'list'; value: unknown }> = [];
  const placeholder = (n: number) => `@@ROS_TOKEN_${n}@@`;

  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!ros.Token.isUnresolved(v)) {
        return v;
      }
      const fragments = ros.Tokenization.reverseString(v);
      if (fragments.length !== 1 || fragments.firstToken === undefined) {
        throw new Error(`a value mixes text and a ROS token (${v}): pass the token as a whole value`);
      }
      tokens.push({ kind: 'string', value: v });
      return placeholder(tokens.length - 1);
    }
    if (typeof v === 'number') {
      if (!ros.Token.isUnresolved(v)) {
        return v;
      }
      tokens.push({ kind: 'raw', value: ros.Tokenization.reverseNumber(v) });
      return placeholder(tokens.length - 1);
    }
    if (Array.isArray(v)) {
      if (ros.Token.isUnresolved(v)) {
        tokens.push({ kind: 'list', value: v });
        return placeholder(tokens.length - 1);
      }
      return v.map(walk);
    }
    if (v !== null && typeof v === 'object') {
      if (ros.Tokenization.isResolvable(v)) {
        tokens.push({ kind: 'string', value: ros.Token.asString(v) });
        return placeholder(tokens.length - 1);
      }
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        out[k] = walk(item);
      }
      return out;
    }
    return v;
  };

  const text = JSON.stringify(walk(value), undefined, indent);
  if (tokens.length === 0) {
    return text;
  }
  const parts: string[] = [];
  const pattern = /"@@ROS_TOKEN_(\d+)@@"/g;
  let last = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    parts.push(text.slice(last, m.index));
    const token = tokens[Number(m[1])];
    if (token.kind === 'string') {
      parts.push('"', token.value as string, '"');
    } else if (token.kind === 'raw') {
      parts.push(ros.Token.asString(token.value));
    } else {
      parts.push('["', ros.Fn.join('","', token.value as string[]), '"]');
    }
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return ros.Fn.join('', parts.filter((p) => p !== ''));
}
