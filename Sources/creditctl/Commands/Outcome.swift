import CreditProtocol

extension Connection {
    /// Calls a method that changes credits, prints its result and then each client's new balance
    /// for the session type (`New credit balance: 7 yoga`); with `--json`, only the result.
    func showWithBalances<R: Decodable>(_ method: CreditProtocol.Method, _ params: some Encodable, as type: R.Type,
                                        clients: [String], sessionType: String,
                                        _ human: (R, Zone) -> String) throws {
        let rpc = try connect()
        let raw = try rpc.call(method, params)
        if json { return output.emit(raw: raw) { "" } }
        var text = human(try Wire.decode(type, raw), studioZone(rpc))
        // A big multi-client issue would print a line per client; past a screenful the table says enough.
        if clients.count <= Connection.balancesShownMax {
            for client in clients {
                guard let (_, balance) = try? rpc.call(.balanceGet, BalanceParams(client: client), as: Balance.self) else { continue }
                text += RenderOutcome.newBalance(balance, sessionType: sessionType, named: clients.count > 1)
            }
        }
        output.emit(raw: raw) { text }
    }

    /// New balances are printed for at most this many clients.
    static let balancesShownMax = 20

    /// The client's paused memberships (their lots are frozen: counted, not bookable); empty if unreadable.
    static func pausedMemberships(_ rpc: RPCClient, client: String) -> [Membership] {
        guard let (_, page) = try? rpc.call(.membershipList, MembershipListParams(client: client, limit: Limits.pageSizeMax),
                                            as: Page<Membership>.self) else { return [] }
        return page.items.filter { $0.status == "paused" }
    }
}
