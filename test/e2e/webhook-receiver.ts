/**
 * A webhook receiver on loopback for the alerts' end-to-end tests: it records each POST (path,
 * content type, JSON body) and answers 200 (DingTalk's `errcode: 0`), or 500.
 */
import * as http from 'http';
import { AddressInfo } from 'net';

/** The receiver; `url` is set once it listens. */
export class WebhookReceiver {
  public readonly received: Array<{ path: string; contentType?: string; body: any }> = [];
  public status = 200;
  private server?: http.Server;
  public url = '';

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => { text += c; });
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
        res.writeHead(this.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(this.status === 200 ? { errcode: 0, errmsg: 'ok' } : { errcode: 500, errmsg: 'internal error' }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/robot/send?access_token=e2e-token`;
  }

  /** The text of each message received, in order. */
  public texts(): string[] {
    return this.received.map((r) => r.body.text.content as string);
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
