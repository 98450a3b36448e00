/**
 * What a server must not touch: a snapshot of every entry under a case's work folder (type,
 * size, modification time, link target), minus the client's folders and the paths the server
 * may change. Taken before the server starts and again after it stops, so that any write,
 * deletion or new file outside the server's own folder shows up, whichever way it got there
 * (`../`, an absolute path, a symbolic link).
 *
 * @module
 */

/** One entry as the snapshot sees it (links are not followed). */
export type EntryState = string;

/** Path (relative to the snapshot's root, `/`-separated) → state. */
export type FolderSnapshot = Map<string, EntryState>;

/** Walks `root` without following links; `skip` gets each relative path. */
export async function snapshotFolder(
  root: string,
  skip: (relative: string) => boolean = () => false,
): Promise<FolderSnapshot> {
  const snapshot: FolderSnapshot = new Map();
  const walk = async (relative: string) => {
    for await (const entry of Deno.readDir(relative ? `${root}/${relative}` : root)) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (skip(path)) continue;
      const info = await Deno.lstat(`${root}/${path}`);
      if (info.isSymlink) {
        snapshot.set(path, `link → ${await Deno.readLink(`${root}/${path}`)}`);
      } else if (info.isDirectory) {
        snapshot.set(path, "folder");
        await walk(path);
      } else {
        snapshot.set(path, `file ${info.size} B, modified ${info.mtime?.getTime()}`);
      }
    }
  };
  await walk("");
  return snapshot;
}

/** The differences between two snapshots, one line each (empty when nothing changed). */
export function snapshotChanges(before: FolderSnapshot, after: FolderSnapshot): string[] {
  const changes: string[] = [];
  for (const [path, state] of before) {
    const now = after.get(path);
    if (now === undefined) changes.push(`${path}: removed (was ${state})`);
    else if (now !== state) changes.push(`${path}: ${state} → ${now}`);
  }
  for (const [path, state] of after) {
    if (!before.has(path)) changes.push(`${path}: new (${state})`);
  }
  return changes;
}
