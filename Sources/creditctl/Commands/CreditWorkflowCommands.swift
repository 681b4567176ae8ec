import ArgumentParser
import CreditProtocol

extension CreditCommand {
    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give one lot a new expiry as goodwill (lot.extend).",
            discussion: "Later, or earlier but not in the past, or --no-expiry. The lot's credits are unchanged; an `extended` event records the old and new expiry. `balance --json` and `history` show lot ids.")
        @Argument(help: "The lot.") var lot: Int64
        @Option(help: "Valid through this local date (they expire at the next local midnight).")
        var expiresOn: LocalDateArgument?
        @Option(help: "Expire at this time instead (studio-local \"2027-03-31 18:00\", or RFC 3339).") var expiresAt: When?
        @Flag(help: "Never expire.") var noExpiry = false
        @Option(help: "A note on the event (at most 500 characters).") var note: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws {
            let given = [expiresOn != nil, expiresAt != nil, noExpiry].filter { $0 }.count
            if given != 1 { throw ValidationError("give exactly one of --expires-on, --expires-at and --no-expiry") }
            try checkNote(note)
        }
        func run() throws {
            let params = mutation.stamp(LotExtendParams(
                lot: lot, expiresOn: expiresOn?.text, expiresAt: try connection.resolve(expiresAt, "--expires-at"),
                noExpiry: noExpiry ? true : nil, note: note))
            try connection.show(.lotExtend, params, as: LotExtendResult.self, zone: true) { r, zone in
                let before = r.previousExpiresAt.map { zone.validThrough($0) } ?? "never"
                let after = r.lot.expiresAt.map { zone.validThrough($0) } ?? "never"
                return "lot \(r.lot.id) of \(r.lot.client) (\(Format.count(r.lot.remaining, "credit")) \(r.lot.scope)): "
                    + "expires \(after), was \(before) (event \(r.event))\n"
            }
        }
    }

    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give credits of one client to another (credit.transfer).",
            discussion: "All or nothing. Credits are taken as credit remove takes them (latest-expiring first); each lot they come from becomes a new lot of the receiver with the same session type and expiry.")
        @Argument(help: "The client giving credits.") var from: String
        @Argument(help: "The client receiving them.") var to: String
        @Option(name: [.customLong("type"), .customShort("t")], help: "The session type, or any.") var sessionType: String
        @Option(parsing: .unconditional, help: "How many credits.", transform: Count.positive) var credits: Int64
        @Option(help: "A note on the events (at most 500 characters).") var note: String?
        @OptionGroup var connection: Connection
        @OptionGroup var mutation: Mutation
        func validate() throws {
            try checkID(from, "the giving client")
            try checkID(to, "the receiving client")
            if from == to { throw ValidationError("a client cannot transfer credits to itself") }
            try checkNote(note)
        }
        func run() throws {
            let params = mutation.stamp(CreditTransferParams(from: from, to: to, sessionType: sessionType,
                                                             credits: credits, note: note))
            try connection.show(.creditTransfer, params, as: CreditTransferResult.self, zone: true) { r, zone in
                var table = Table([.init("FROM LOT", .right), .init("TO LOT", .right), .init("CREDITS", .right),
                                   .init("SCOPE"), .init("EXPIRES")])
                for part in r.parts {
                    table.add([String(part.fromLot), String(part.toLot.id), String(part.credits), part.toLot.scope,
                               part.toLot.expiresAt.map { zone.validThrough($0) } ?? "never"])
                }
                var text = "transferred \(Format.count(r.credits, "credit")) from \(r.from) to \(r.to)\n" + table.render()
                if r.debtRepaid > 0 { text += "\(Format.count(r.debtRepaid, "credit")) repaid \(r.to)'s debt\n" }
                return text
            }
        }
    }
}
extension LotExtendParams: Stampable {}
extension CreditTransferParams: Stampable {}
