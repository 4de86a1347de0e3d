import { SlipwayError } from '../errors.js';

/**
 * Resolving `--chown`, `USER` and `RUN` users through the image's own /etc/passwd and
 * /etc/group, as BuildKit does: a name takes the uid (and, without a group, the primary
 * gid) from passwd; a bare numeric uid uses the same number as gid.
 */

export interface PasswdEntry { readonly name: string; readonly uid: number; readonly gid: number; readonly home: string }
export interface GroupEntry { readonly name: string; readonly gid: number; readonly members: readonly string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: (f[3] ?? '').split(',').filter((m) => m !== '') });
  }
  return out;
}

export interface Owner { readonly uid: number; readonly gid: number }

const NUMERIC = /^\d+$/;

/** Reads passwd/group lazily: the files are only needed when a name must be resolved. */
export interface IdFiles {
  passwd(): Promise<string | undefined>;
  group(): Promise<string | undefined>;
}

/**
 * Resolves `user[:group]`. Unknown names are errors with code BUILD_UNKNOWN_USER /
 * BUILD_UNKNOWN_GROUP (BuildKit: "unable to find user/group").
 */
export async function resolveOwner(spec: string, files: IdFiles): Promise<Owner & { additionalGids?: number[] }> {
  const colon = spec.indexOf(':');
  const user = colon >= 0 ? spec.slice(0, colon) : spec;
  const group = colon >= 0 ? spec.slice(colon + 1) : undefined;
  let uid: number;
  let gid: number;
  if (NUMERIC.test(user)) {
    uid = Number(user);
    gid = uid;
    const text = group === undefined ? await files.passwd() : undefined;
    const entry = text === undefined ? undefined : parsePasswd(text).find((e) => e.uid === uid);
    // RUN as a numeric uid that passwd knows uses its primary group (runc/BuildKit behaviour).
    if (entry) gid = entry.gid;
  } else {
    const entry = parsePasswd((await files.passwd()) ?? '').find((e) => e.name === user);
    if (!entry) throw new SlipwayError('BUILD_UNKNOWN_USER', `unable to find user ${user}: no matching entries in passwd file`);
    uid = entry.uid;
    gid = entry.gid;
  }
  const groups = parseGroup((await files.group()) ?? '');
  if (group !== undefined && group !== '') {
    if (NUMERIC.test(group)) gid = Number(group);
    else {
      const entry = groups.find((g) => g.name === group);
      if (!entry) throw new SlipwayError('BUILD_UNKNOWN_GROUP', `unable to find group ${group}: no matching entries in group file`);
      gid = entry.gid;
    }
    return { uid, gid, additionalGids: [gid] };
  }
  // Without an explicit group the process also gets the groups that list the user (runc's getgrouplist).
  const member = NUMERIC.test(user) ? [] : groups.filter((g) => g.members.includes(user)).map((g) => g.gid);
  return { uid, gid, additionalGids: [...new Set([gid, ...member])] };
}

/** `--chown` differs from RUN users only for numeric uids: gid is then the uid itself. */
export async function resolveChown(spec: string, files: IdFiles): Promise<Owner> {
  const colon = spec.indexOf(':');
  const user = colon >= 0 ? spec.slice(0, colon) : spec;
  if (NUMERIC.test(user) && colon < 0) return { uid: Number(user), gid: Number(user) };
  const { uid, gid } = await resolveOwner(spec, files);
  return { uid, gid };
}
