import CreditProtocol

/// The peer of a connection as the kernel and the user database describe it.
struct PeerIdentity: Sendable, Equatable {
    let uid: UInt32
    let gid: UInt32
    let pid: Int32
    /// The passwd name, or the decimal uid when there is none.
    let userName: String
    /// Names of the primary and supplementary groups.
    let groupNames: [String]
}

/// Maps users and groups to roles, and roles to permissions (`[access]` and `[roles.*]`).
struct AccessPolicy: Sendable, Equatable {
    /// Role name -> permissions, default roles included.
    var roles: [String: Set<Permission>]
    /// User name -> role names.
    var users: [String: [String]]
    /// Group name -> role names.
    var groups: [String: [String]]

    /// The default roles. `admin` runs the studio day to day but neither takes backups of
    /// the database nor administers the daemon (verify, test clock): those are the owner's.
    static let defaultRoles: [String: Set<Permission>] = [
        "owner": Set(Permission.allCases),
        "admin": Set(Permission.allCases).subtracting([.backup, .admin]),
        "trainer": [.read, .issue, .book, .cancel, .waive],
        "viewer": [.read],
    ]

    /// The caller the peer is, or nil when the peer maps to no role.
    ///
    /// A user named directly is more specific than a group and wins over group entries;
    /// several matching groups grant the union of their roles' permissions.
    func caller(for peer: PeerIdentity) -> Caller? {
        var matched = users[peer.userName] ?? []
        if matched.isEmpty {
            for group in peer.groupNames { matched += groups[group] ?? [] }
        }
        let names = Array(Set(matched)).sorted()
        guard !names.isEmpty else { return nil }
        let permissions = names.reduce(into: Set<Permission>()) { $0.formUnion(roles[$1] ?? []) }
        return Caller(uid: peer.uid, gid: peer.gid, pid: peer.pid, userName: peer.userName,
                      role: names.joined(separator: "+"), permissions: permissions)
    }
}
