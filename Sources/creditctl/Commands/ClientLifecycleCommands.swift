import ArgumentParser
import CreditProtocol

extension ClientCommand {
    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate a client (client.deactivate): history and credits stay, no new bookings or credits.",
            discussion: "The client disappears from `client list` (see --include-inactive). A client with a running membership cannot be deactivated: cancel it first.")
        @Argument(help: "The client.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(IdActionParams(id: id))
            try connection.show(.clientDeactivate, params, as: Client.self) { c, _ in RenderSetup.client(c) }
        }
    }

    struct Reactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reactivate a deactivated client (client.reactivate).")
        @Argument(help: "The client.") var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func run() throws {
            let params = mutation.stamp(IdActionParams(id: id))
            try connection.show(.clientReactivate, params, as: Client.self) { c, _ in RenderSetup.client(c) }
        }
    }
}
