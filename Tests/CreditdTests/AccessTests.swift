import Foundation
import Glibc
import Testing

/// Peer-credential access control: the test runs as some Unix user; configs map it or not.
@Suite struct AccessTests {
    static var me: String { String(cString: getpwuid(getuid()).pointee.pw_name) }

    @Test func unmappedUserIsRefusedEverything() throws {
        // Given a config in which the test's user has no role
        let daemon = try DaemonProcess(config: """
            [access]
            owner = ["creditd-test-nobody-\(getpid())"]
            """)
        let client = try daemon.connect()
        // When it calls anything, even an unknown method
        for (id, method) in ["daemon.status", "client.create", "no.such"].enumerated() {
            let reply = try client.call(method, id: id, params: ["id": "x", "name": "y"])
            // Then it is permission_denied
            #expect(reply.errorReason == "permission_denied", "\(method)")
        }
    }

    @Test func roleWithoutPermissionIsRefusedThatMethod() throws {
        // Given the test's user as viewer (read only)
        let daemon = try DaemonProcess(config: """
            [access]
            viewer = ["\(Self.me)"]
            owner = ["\(LedgerDaemon.absentOwner)"]
            """)
        let client = try daemon.connect()
        // When it reads, then it is served
        #expect(try client.call("daemon.status", id: 1).result != nil)
        // When it writes, then it is permission_denied naming the permission
        let reply = try client.call("client.create", id: 2, params: ["id": "x", "name": "y"])
        #expect(reply.errorReason == "permission_denied")
        #expect(((reply["error"] as? [String: Any])?["data"] as? [String: Any])?["permission"] as? String == "manage_clients")
    }

    @Test func groupMembershipGrantsACustomRole() throws {
        // Given the test user's primary group mapped to a custom role
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        let daemon = try DaemonProcess(config: """
            [access]
            frontdesk = ["@\(group)"]
            owner = ["\(LedgerDaemon.absentOwner)"]
            [roles.frontdesk]
            permissions = ["read", "manage_clients"]
            """)
        let client = try daemon.connect()
        // When it creates a client, then it is allowed
        #expect(try client.call("client.create", id: 1, params: ["id": "g1", "name": "G"]).result != nil)
        // And a permission the role lacks is refused
        let issue = try client.call("credit.issue", id: 2, params: ["client": "g1", "session_type": "t", "credits": 1])
        #expect(issue.errorReason == "permission_denied")
    }
}
