import Glibc

/// Lookups in the passwd and group databases (thread-safe `_r` variants).
///
/// These may block on NSS (LDAP, sssd), so callers run them off the event loop.
enum UserDatabase {
    /// The user name of `uid`, or its decimal value when the user has no passwd entry.
    static func userName(uid: uid_t) -> String {
        withPasswd(uid: uid) { String(cString: $0.pw_name) } ?? String(uid)
    }

    /// Names of the groups `uid` belongs to: `gid` first, then the supplementary groups.
    static func groupNames(uid: uid_t, gid: gid_t) -> [String] {
        var names: [String] = []
        for id in groupIDs(uid: uid, gid: gid) {
            if let name = groupName(gid: id), !names.contains(name) { names.append(name) }
        }
        return names
    }

    static func groupName(gid: gid_t) -> String? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            let rc = getgrgid_r(gid, &group, &buffer, buffer.count, &result)
            if rc == ERANGE, buffer.count < 1 << 20 { buffer = [CChar](repeating: 0, count: buffer.count * 4); continue }
            guard rc == 0, result != nil else { return nil }
            return String(cString: group.gr_name)
        }
    }

    private static func groupIDs(uid: uid_t, gid: gid_t) -> [gid_t] {
        guard let name = withPasswd(uid: uid, { String(cString: $0.pw_name) }) else { return [gid] }
        var count: Int32 = 32
        while true {
            var ids = [gid_t](repeating: 0, count: Int(count))
            var found = count
            // getgrouplist returns -1 and the needed count when the array is too small.
            if getgrouplist(name, gid, &ids, &found) != -1 { return Array(ids.prefix(Int(found))) }
            guard found > count, found < 65_536 else { return [gid] }
            count = found
        }
    }

    private static func withPasswd<T>(uid: uid_t, _ body: (passwd) -> T) -> T? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            let rc = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
            if rc == ERANGE, buffer.count < 1 << 20 { buffer = [CChar](repeating: 0, count: buffer.count * 4); continue }
            guard rc == 0, result != nil else { return nil }
            return body(entry)
        }
    }
}
