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
}
extension LotExtendParams: Stampable {}
