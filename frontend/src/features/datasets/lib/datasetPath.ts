/** The file name of a stored dataset path (`…/datasets/<sha256>/<name>`), else null. */
export function datasetNameOf(path: string): string | null {
  const m = /[\\/]datasets[\\/][0-9a-f]{64}[\\/]([^\\/]+)$/.exec(path);
  return m?.[1] ?? null;
}
