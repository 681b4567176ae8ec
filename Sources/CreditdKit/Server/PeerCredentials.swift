import Glibc
import NIOCore

/// `struct ucred` from <sys/socket.h>, which Glibc's Swift overlay does not export
/// (it needs _GNU_SOURCE). Same layout: pid, uid, gid.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum PeerCredentials {
    /// SO_PEERCRED from <asm-generic/socket.h>.
    static let soPeerCred = NIOBSDSocket.Option(rawValue: 17)

    /// The kernel's credentials of the connected peer, captured at connect time.
    static func of(_ channel: any Channel) -> EventLoopFuture<UCred> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return provider.unsafeGetSocketOption(level: .socket, name: soPeerCred)
    }

    /// Names for the credentials: user and groups. Blocking NSS lookups: call off the event loop.
    static func identity(_ cred: UCred) -> PeerIdentity {
        PeerIdentity(uid: cred.uid, gid: cred.gid, pid: cred.pid,
                     userName: UserDatabase.userName(uid: cred.uid),
                     groupNames: UserDatabase.groupNames(uid: cred.uid, gid: cred.gid))
    }
}
