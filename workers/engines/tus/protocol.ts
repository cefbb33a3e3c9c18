/** tus 1.0.0 (https://tus.io/protocols/resumable-upload): the protocol's names and header grammar. */

import { ERRORS, type ErrorName, type StatusOf } from '../../platform/errors';
import { dataProductType } from '../../platform/db/schema';
import { FILE_EXTENSIONS, acceptsFile, extensionsSaid } from './file-types';

export { productTypeOf } from './file-types';

export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = [
  'creation',
  'creation-with-upload',
  'creation-defer-length',
  'expiration',
  'checksum',
  'termination',
];
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream';
/**
 * A request the protocol answers with an error status: a named error of the API's table (not
 * problem-shaped by the protocol, but sent as one, with the tus headers).
 */
export class TusError<N extends ErrorName = ErrorName> extends Error {
  readonly status: StatusOf<N>;

  constructor(
    readonly error: N,
    message: string,
  ) {
    super(message);
    this.status = ERRORS[error].status;
  }
}

/** `Upload-Metadata: key base64value,key2 base64value2` (a key may have no value). */
export function parseMetadata(header: string | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (!header) return metadata;
  if (header.length > 4096) throw new TusError('bad-request', 'Upload-Metadata is too long (4096 characters at most).');
  for (const pair of header.split(',')) {
    const [key, value, ...rest] = pair.trim().split(' ');
    if (!key || rest.length > 0 || !/^[\x21-\x7e]+$/.test(key))
      throw new TusError('bad-request', `Upload-Metadata: cannot read "${pair.trim().slice(0, 40)}".`);
    if (Object.hasOwn(metadata, key)) throw new TusError('bad-request', `Upload-Metadata: "${key}" appears twice.`);
    try {
      metadata[key] =
        value === undefined
          ? ''
          : new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
              Uint8Array.from(atob(value), (c) => c.charCodeAt(0)),
            );
    } catch {
      throw new TusError('bad-request', `Upload-Metadata: the value of "${key}" is not base64-encoded UTF-8.`);
    }
  }
  return metadata;
}

/** A non-negative integer header (Upload-Offset, Upload-Length). */
export function parseSize(header: string | undefined, name: string): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,16}$/.test(header) || !Number.isSafeInteger(Number(header)))
    throw new TusError('bad-request', `${name} must be a non-negative integer.`);
  return Number(header);
}

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** The expected digest, base64 as the protocol sends it. */
  digest: string;
}

/** `Upload-Checksum: sha1 <base64>`; an algorithm this server lacks is a 400, as the checksum extension says. */
export function parseChecksum(header: string | undefined): Checksum | undefined {
  if (header === undefined) return undefined;
  const [algorithm, digest, ...rest] = header.trim().split(' ');
  if (!algorithm || !digest || rest.length)
    throw new TusError('bad-request', 'Upload-Checksum must be "<algorithm> <base64 digest>".');
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new TusError(
      'bad-request',
      `Upload-Checksum: unsupported algorithm "${algorithm}" (supported: ${CHECKSUM_ALGORITHMS.join(', ')}).`,
    );
  }
  return { algorithm: algorithm as ChecksumAlgorithm, digest };
}

export const DIGEST_NAMES: Record<ChecksumAlgorithm, string> = { sha1: 'SHA-1', sha256: 'SHA-256' };

export const toBase64 = (bytes: ArrayBuffer): string => btoa(String.fromCharCode(...new Uint8Array(bytes)));

export type ProductType = (typeof dataProductType.enumValues)[number];
const PRODUCT_TYPES: readonly string[] = dataProductType.enumValues;
const isProductType = (type: string): type is ProductType => PRODUCT_TYPES.includes(type);
// The file-type table has a row for every product type (checked when this compiles).
const _everyTypeNamed: Record<ProductType, unknown> = FILE_EXTENSIONS;

/** What an upload is for: named in Upload-Metadata, checked before the upload exists. */
export interface UploadTarget {
  projectId: string;
  flightId: string;
  type: ProductType;
  filename: string;
}

export function uploadTarget(metadata: Record<string, string>): UploadTarget {
  for (const key of ['project', 'flight', 'type', 'filename']) {
    if (!metadata[key])
      throw new TusError(
        'bad-request',
        `Upload-Metadata must name "${key}" (project, flight, type and filename are required).`,
      );
  }
  const type = metadata.type!;
  if (!isProductType(type))
    throw new TusError('bad-request', `Upload-Metadata: type must be one of ${PRODUCT_TYPES.join(', ')}.`);
  const filename = metadata.filename!;
  if (filename.length > 255 || /[/\\\0]/.test(filename) || filename === '.' || filename === '..') {
    throw new TusError(
      'bad-request',
      'Upload-Metadata: filename must be a plain file name (no slashes, at most 255 characters).',
    );
  }
  // No converter from Debian's packages writes COPC: refused now rather than failing as a job later.
  if (type === 'point_cloud')
    throw new TusError('unprocessable', 'Point clouds (LAS/LAZ → COPC) are not supported yet.');
  if (!acceptsFile(type, filename))
    throw new TusError(
      'unsupported-media-type',
      `${type} uploads must be ${extensionsSaid(type)} files; got "${filename}".`,
    );
  return { projectId: metadata.project!, flightId: metadata.flight!, type, filename };
}

/** What HEAD, PATCH and `GET /uploads/{id}` report. */
export interface UploadStatus {
  id: string;
  offset: number;
  length: number | null;
  state: 'created' | 'uploading' | 'completed' | 'expired' | 'terminated' | 'failed';
  metadata: string;
  expiresAt: number;
  key: string;
  dataProductId: string | null;
  jobId: string | null;
  error: string | null;
}
