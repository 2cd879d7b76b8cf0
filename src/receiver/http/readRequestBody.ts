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
 * the limit applies to what is inflated, so a small compressed body cannot expand without bound). A declared
 * `Content-Length` over the limit is refused before anything is read.
 * Rejects with an HttpError (413 too large, 415 unknown encoding, 400 unreadable) or RequestAbortedError.
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, 'payload_too_large', `The body is larger than the limit of ${limit} bytes.`, {
      headers: { connection: 'close' },
    });
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());

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
      return Promise.reject(
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
    source.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        settle(() => reject(tooLarge()));
        if (source !== request) source.destroy();
        request.unpipe();
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    source.on('end', () => settle(() => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))));
    source.on('error', () =>
      settle(() => reject(new HttpError(400, 'unreadable_body', 'The body could not be read (bad encoding).'))),
    );
    request.on('aborted', () => settle(() => reject(new RequestAbortedError())));
    request.on('close', () => {
      if (!request.complete) settle(() => reject(new RequestAbortedError()));
    });
  });
}
