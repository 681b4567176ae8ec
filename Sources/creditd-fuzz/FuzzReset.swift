// Every input starts from the same seeded ledger, so an input's outcome depends on nothing but
// its own bytes (libFuzzer needs that: a crash file must reproduce alone, and coverage feedback
// must not drift with what earlier inputs left behind). Migrating and seeding a new in-memory
// ledger costs milliseconds under ASan; the world's ledger is instead opened from the seeded
// ledger's image and put back to it before each input (Ledger.restore: a memcpy of its pages,
// with the schema and prepared statements kept).
#if FUZZING
import Scheduling
import Store

extension FuzzWorld {
    /// The seeded ledger's database, taken once.
    static let seedImage: LedgerImage = {
        let seeded = seededLedger()
        do {
            let verified = try seeded.verify()
            guard verified.ok else { fatalError("the seed violates invariants: \(verified.violations)") }
            return try seeded.image()
        } catch {
            fatalError("cannot copy the seeded ledger: \(error)")
        }
    }()

    /// A ledger holding the seed, which `startInput` can restore in place.
    static func restorableLedger() -> Ledger {
        do { return try Ledger(image: seedImage) } catch { fatalError("cannot open the seed image: \(error)") }
    }

    /// Puts the world back to the seed state: the ledger's rows and the clock. After an input
    /// that committed nothing (most mutated inputs fail to parse or to validate) the ledger still
    /// is the seed: rolled-back transactions leave the file as it was, so the copy is skipped.
    mutating func startInput() {
        do {
            if try ledger.hasCommits(since: Self.seedImage) { try ledger.restore(Self.seedImage) }
        } catch {
            fatalError("cannot restore the seed image: \(error)")
        }
        clock.set(nowMs: Self.startMs)
    }

    /// Whatever the input did, the ledger's invariants hold after it. An input that committed
    /// nothing left the seed as it was (checked once, in `seedImage`): no need to check again.
    func finishInput() {
        let committed: Bool
        do { committed = try ledger.hasCommits(since: Self.seedImage) } catch { fatalError("\(error)") }
        if committed { checkInvariants() }
    }
}
#endif
