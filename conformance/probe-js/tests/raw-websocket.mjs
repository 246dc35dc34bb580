// A raw RFC 6455 client on node:net for the probe's tests. Unlike a WebSocket library it shows
// every frame as it came (Close frames included), never answers a Close by itself, and records
// when the server ended the TCP connection: what close-handshake checks need.

import crypto from "node:crypto";
import net from "node:net";

/** RFC 6455 section 4.2.2: the GUID that the server appends to the key in its accept hash. */
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** @type {Record<number, string>} */
const OPCODE_NAMES = {
  0: "continuation",
  1: "text",
  2: "binary",
  8: "close",
  9: "ping",
  10: "pong",
};
/** How long a refused upgrade may take to send its body after the status line. */
const REFUSED_BODY_WAIT_MS = 300;

/**
 * One frame as received.
 * @typedef {{opcode: string, at: number, length: number, text?: string, base64?: string,
 *            code?: number | null, reason?: string}} Frame
 */

export class RawWebSocket {
  /**
   * Opens `path` on `baseUrl` with an upgrade request. Resolves with `{status, socket}` for a
   * 101, `{status, body}` for anything else.
   * @param {string} baseUrl
   * @param {string} path
   * @param {Record<string, string>} [extraHeaders]
   * @returns {Promise<{status: number, socket?: RawWebSocket, body?: string}>}
   */
  static connect(baseUrl, path, extraHeaders = {}) {
    const url = new URL(baseUrl);
    const key = crypto.randomBytes(16).toString("base64");
    const headers = {
      Host: url.host,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": key,
      "Sec-WebSocket-Version": "13",
      ...extraHeaders,
    };
    return new Promise((resolve, reject) => {
      const tcp = net.connect({ host: url.hostname, port: Number(url.port) });
      tcp.once("error", reject);
      tcp.once("connect", () => {
        const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
        tcp.write(`GET ${path} HTTP/1.1\r\n${lines.join("")}\r\n`);
      });
      let received = Buffer.alloc(0);
      const onData = (/** @type {Buffer} */ chunk) => {
        received = Buffer.concat([received, chunk]);
        const headEnd = received.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        tcp.off("data", onData);
        const head = received.subarray(0, headEnd).toString("latin1");
        const rest = received.subarray(headEnd + 4);
        const status = Number(head.split(" ")[1]);
        if (status !== 101) {
          let body = rest;
          tcp.on("data", (/** @type {Buffer} */ more) => (body = Buffer.concat([body, more])));
          setTimeout(() => {
            tcp.destroy();
            resolve({ status, body: body.toString("utf8") });
          }, REFUSED_BODY_WAIT_MS);
          return;
        }
        const accept = crypto.createHash("sha1").update(key + HANDSHAKE_GUID).digest("base64");
        if (!head.includes(accept)) {
          tcp.destroy();
          reject(new Error(`upgrade of ${path}: Sec-WebSocket-Accept is not ${accept}`));
          return;
        }
        resolve({ status, socket: new RawWebSocket(tcp, rest) });
      };
      tcp.on("data", onData);
    });
  }

  /**
   * @param {net.Socket} tcp
   * @param {Buffer} initial bytes that came with the handshake answer
   */
  constructor(tcp, initial) {
    this.tcp = tcp;
    this.startedAt = Date.now();
    /** @type {Frame[]} */
    this.frames = [];
    /** @type {number | null} ms after the upgrade when the server ended the connection */
    this.endedAt = null;
    this.pending = Buffer.alloc(0);
    /** @type {(() => void)[]} */
    this.waiters = [];
    tcp.removeAllListeners("error");
    tcp.on("error", () => {}); // a reset shows as the end of the connection
    tcp.on("data", (chunk) => this.#receive(chunk));
    for (const event of ["end", "close"]) {
      tcp.on(event, () => {
        this.endedAt ??= Date.now() - this.startedAt;
        this.#wake();
      });
    }
    if (initial.length > 0) this.#receive(initial);
  }

  /** @param {Buffer} chunk */
  #receive(chunk) {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = this.#takeFrame();
      if (frame === null) return;
      this.frames.push(frame);
      this.#wake();
    }
  }

  /** @returns {Frame | null} the next whole frame, or null until more bytes came */
  #takeFrame() {
    const bytes = this.pending;
    if (bytes.length < 2) return null;
    let length = bytes[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (bytes.length < 4) return null;
      length = bytes.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return null;
      length = Number(bytes.readBigUInt64BE(2));
      offset = 10;
    }
    if (bytes.length < offset + length) return null;
    const opcode = OPCODE_NAMES[bytes[0] & 0x0f] ?? String(bytes[0] & 0x0f);
    const payload = bytes.subarray(offset, offset + length);
    this.pending = bytes.subarray(offset + length);

    /** @type {Frame} */
    const frame = { opcode, at: Date.now() - this.startedAt, length };
    if (opcode === "binary") frame.base64 = payload.toString("base64");
    else if (opcode === "close") {
      frame.code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
      frame.reason = payload.subarray(2).toString("utf8");
    } else frame.text = payload.toString("utf8");
    return frame;
  }

  #wake() {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Waits until `holds(this)` or `timeoutMs` passed, woken by every frame and by the end.
   * @param {(socket: RawWebSocket) => boolean} holds
   * @param {number} timeoutMs
   * @returns {Promise<boolean>} whether it held
   */
  async until(holds, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!holds(this)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    return true;
  }

  /**
   * Sends one unfragmented, masked frame (clients must mask: RFC 6455 section 5.3).
   * @param {number} opcode
   * @param {Buffer} payload
   */
  sendFrame(opcode, payload) {
    const mask = crypto.randomBytes(4);
    let header;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.from([0x80 | opcode, 0x80 | 126, 0, 0]);
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i += 1) masked[i] = payload[i] ^ mask[i & 3];
    this.tcp.write(Buffer.concat([header, mask, masked]));
  }

  /** @param {string} text */
  sendText(text) {
    this.sendFrame(1, Buffer.from(text, "utf8"));
  }

  /** @param {Uint8Array} bytes */
  sendBinary(bytes) {
    this.sendFrame(2, Buffer.from(bytes));
  }

  /** @param {string} payload */
  sendPing(payload) {
    this.sendFrame(9, Buffer.from(payload, "utf8"));
  }

  /**
   * A Close frame; without a code its payload is empty (the server then sees code 1005).
   * @param {number} [code]
   * @param {string} [reason]
   */
  sendClose(code, reason = "") {
    if (code === undefined) {
      this.sendFrame(8, Buffer.alloc(0));
      return;
    }
    const reasonBytes = Buffer.from(reason, "utf8");
    const payload = Buffer.alloc(2 + reasonBytes.length);
    payload.writeUInt16BE(code, 0);
    reasonBytes.copy(payload, 2);
    this.sendFrame(8, payload);
  }

  destroy() {
    this.tcp.destroy();
  }
}
