import { unzipSync } from "fflate";
import { ImportFormatError, ParseLimits } from "./items";

const MAX_ENTRIES = 10_000;

/**
 * The entries `wanted` names, inflated. A zip bomb is refused before inflating: each entry's
 * declared size counts against the limit, and fflate inflates into a buffer of exactly that
 * size, so an entry lying about its size cannot grow past it.
 */
export function unzip(zip: Uint8Array, limits: ParseLimits, wanted: (name: string) => boolean): { name: string; data: Uint8Array }[] {
  let total = 0;
  let entries = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (file) => {
        if (++entries > MAX_ENTRIES) throw new ImportFormatError(`the zip holds more than ${MAX_ENTRIES} entries`);
        if (file.name.endsWith("/") || !wanted(file.name)) return false;
        total += file.originalSize;
        if (total > limits.maxInflatedBytes) throw new ImportFormatError(`the zip inflates to more than ${limits.maxInflatedBytes} bytes`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof ImportFormatError) throw err;
    throw new ImportFormatError(`not a readable zip file (${(err as Error).message})`);
  }
  return Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, data]) => ({ name, data }));
}
