import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { HttpError } from './httpError';

/** The request ended before its body did (the client went away): there is nobody to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('the client closed the request before its body was complete');
    this.name = 'RequestAbortedError';
  }
}

/**
 * Reads a request body into one Buffer, at most `limit` bytes after decoding `Content-Encoding` (gzip, deflate, br:
 * the limit applies to what is inflated, so a small compressed body cannot expand without bound).
 * Rejects with an HttpError (413 too large, 415 unknown encoding, 400 unreadable) or RequestAbortedError. Before
 * an HttpError, the rest of the body is read and dropped, as Express's body parser does: a sender that writes its
 * whole body before reading the answer gets the error, not a broken pipe it would take for a network fault and
 * retry. (Node's server `requestTimeout` bounds how long that can take.)
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const refuse = (error: HttpError) => drain(request).then(() => Promise.reject(error));
  const tooLarge = () =>
    new HttpError(413, 'payload_too_large', `The body is larger than the limit of ${limit} bytes.`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return refuse(tooLarge());

  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let source: Readable;
  switch (encoding) {
    case '':
    case 'identity':
      source = request;
      break;
    case 'gzip':
    case 'x-gzip':
      source = request.pipe(createGunzip());
      break;
    case 'deflate':
      source = request.pipe(createInflate());
      break;
    case 'br':
      source = request.pipe(createBrotliDecompress());
      break;
    default:
      return refuse(
        new HttpError(415, 'unsupported_content_encoding', 'Content-Encoding must be identity, gzip, deflate or br.'),
      );
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const stopAndRefuse = (error: HttpError) => {
      source.removeAllListeners('data');
      if (source !== request) {
        request.unpipe();
        source.destroy();
      }
      settle(() => {
        refuse(error).catch(reject);
      });
    };
    source.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) stopAndRefuse(tooLarge());
      else chunks.push(chunk);
    });
    source.on('end', () => settle(() => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))));
    source.on('error', () =>
      stopAndRefuse(new HttpError(400, 'unreadable_body', 'The body could not be read (bad encoding).')),
    );
    request.on('aborted', () => settle(() => reject(new RequestAbortedError())));
    request.on('close', () => {
      if (!request.complete) settle(() => reject(new RequestAbortedError()));
    });
  });
}

/** Reads the rest of a request and drops it; resolves when it ended (or the client went away). */
function drain(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (request.complete || request.destroyed) {
      resolve();
      return;
    }
    request.on('end', resolve);
    request.on('close', resolve);
    request.resume();
  });
}
