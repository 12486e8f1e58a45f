const UPLOAD = /^azureml:\/\/datastores\/uploads\/paths\/[0-9a-f]{64}\/([^/]+)$/;
const DATASTORE = /^azureml:\/\/datastores\/([A-Za-z0-9_]+)\/paths\/(.+)$/;

/** The file name of an uploaded dataset reference (`azureml://datastores/uploads/paths/<sha256>/<name>`), else null. */
export function datasetNameOf(reference: string): string | null {
  return UPLOAD.exec(reference)?.[1] ?? null;
}

/** The datastore and path of a datastore reference, else null. */
export function datastorePathOf(reference: string): { datastore: string; path: string } | null {
  const m = DATASTORE.exec(reference);
  return m?.[1] && m[2] ? { datastore: m[1], path: m[2] } : null;
}
