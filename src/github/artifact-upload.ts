/**
 * One artifact upload through the real @actions/artifact client's own parts, with our zip stream
 * in place of its archiver: the client's name and path validation and upload specification and its
 * upload settings, in the order its uploadArtifact() calls them, with its Twirp calls
 * (CreateArtifact, FinalizeArtifact) made by artifact-twirp.ts and its blob upload by
 * blob-upload.ts: the same requests, without the protobuf runtime and Azure storage pipeline the
 * client's own code for them compiles.
 * Loading only these (not the package's entry, which pulls the download, listing and deletion code
 * and archiver) is most of a small run's upload start-up.
 *
 * The parts are imported by file because the package exports only its entry point; they are the
 * installed version's own code, so a client upgrade that moves them fails the build, not a run.
 */
import * as core from '@actions/core';
import { getUploadZipSpecification, validateRootDirectory } from '../../node_modules/@actions/artifact/lib/internal/upload/upload-zip-specification.js';
import { validateArtifactName } from '../../node_modules/@actions/artifact/lib/internal/upload/path-and-artifact-name-validation.js';
import { WaterMarkedUploadStream } from '../../node_modules/@actions/artifact/lib/internal/upload/stream.js';
import { getConcurrency, getUploadChunkSize, getUploadChunkTimeout, isGhes } from '../../node_modules/@actions/artifact/lib/internal/shared/config.js';
import { getBackendIdsFromToken } from '../../node_modules/@actions/artifact/lib/internal/shared/util.js';
import { FilesNotFoundError, GHESNotSupportedError, InvalidResponseError, NetworkError } from '../../node_modules/@actions/artifact/lib/internal/shared/errors.js';
import { getUserAgentString } from '../../node_modules/@actions/artifact/lib/internal/shared/user-agent.js';
import { ArtifactTwirpClient, expirationTime } from './artifact-twirp.ts';
import { uploadBlockBlob, type BlobUploadResult } from './blob-upload.ts';
import { fitsZip32, zipChunks } from './zip-writer.ts';

/** The client's default zlib level (its zip.ts DEFAULT_COMPRESSION_LEVEL). */
const DEFAULT_LEVEL = 6;

export interface ZipUploadResult {
  id: number;
  size: number;
}

/**
 * Uploads `files` (paths under `rootDirectory`) as the zip artifact `name`; throws as the client's
 * uploadArtifact() does. An archive a plain zip cannot hold (over 4 GiB or 65,535 entries) goes
 * through the client's own uploadArtifact(), whose archiver writes ZIP64 (and no `comment`).
 */
export async function uploadZipArtifact(name: string, files: string[], rootDirectory: string, opts: { retentionDays?: number; compressionLevel?: number; comment?: string } = {}): Promise<ZipUploadResult> {
  if (isGhes()) throw new GHESNotSupportedError();
  validateArtifactName(name);
  validateRootDirectory(rootDirectory);
  const spec = getUploadZipSpecification(files, rootDirectory);
  if (spec.length === 0) throw new FilesNotFoundError([]);
  if (!fitsZip32(spec)) {
    const { DefaultArtifactClient } = await import('@actions/artifact');
    const res = await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory, { retentionDays: opts.retentionDays, compressionLevel: opts.compressionLevel });
    return { id: res.id ?? 0, size: res.size ?? 0 };
  }
  const contentType = 'application/zip';
  const backendIds = getBackendIdsFromToken();
  const client = new ArtifactTwirpClient();
  const expiresAt = expirationTime(opts.retentionDays);
  const created = await client.createArtifact({
    workflowRunBackendId: backendIds.workflowRunBackendId,
    workflowJobRunBackendId: backendIds.workflowJobRunBackendId,
    name,
    mimeType: contentType,
    version: 7,
    ...(expiresAt ? { expiresAt } : {}),
  });
  if (!created.ok) throw new InvalidResponseError('CreateArtifact: response from backend was not ok');

  const stream = new WaterMarkedUploadStream(getUploadChunkSize());
  // A file that fails mid-way ends the stream short; the upload is then never finalized, so no
  // partial artifact appears (a destroyed stream would leave the blob upload waiting for its timeout).
  let zipError: Error | null = null;
  const feeding = (async () => {
    try {
      for await (const chunk of zipChunks(spec, opts.compressionLevel ?? DEFAULT_LEVEL, opts.comment)) {
        if (stream.destroyed) return;
        if (!stream.write(chunk)) await new Promise<void>((resolve) => (stream.once('drain', resolve), stream.once('close', resolve)));
      }
    } catch (e) {
      zipError = e as Error;
    } finally {
      stream.end();
    }
  })();
  core.info(`Uploading artifact: ${name}.zip`);
  let uploaded: BlobUploadResult;
  try {
    uploaded = await uploadBlockBlob(created.signedUploadUrl, stream, contentType, {
      chunkSize: getUploadChunkSize(),
      concurrency: getConcurrency(),
      timeoutMs: getUploadChunkTimeout(),
      userAgent: getUserAgentString(),
    });
  } catch (e) {
    // The client's own message for an unreachable blob service (it names self-hosted runners' firewalls).
    const code = (e as { code?: string }).code;
    throw NetworkError.isNetworkErrorCode(code) ? new NetworkError(code!) : e;
  } finally {
    // A failed upload stops reading the files too.
    if (!stream.writableFinished) stream.destroy();
    await feeding;
  }
  if (zipError) throw new Error(`the zip could not be written: ${(zipError as Error).message}`);

  const finalized = await client.finalizeArtifact({
    workflowRunBackendId: backendIds.workflowRunBackendId,
    workflowJobRunBackendId: backendIds.workflowJobRunBackendId,
    name,
    size: String(uploaded.uploadSize),
    hash: `sha256:${uploaded.sha256Hash}`,
  });
  if (!finalized.ok) throw new InvalidResponseError('FinalizeArtifact: response from backend was not ok');
  const id = Number(finalized.artifactId);
  core.info(`Artifact ${name} successfully finalized. Artifact ID ${id}`);
  return { id, size: uploaded.uploadSize };
}
