import Synchronization

/// The current configuration, replaced atomically on SIGHUP.
final class ConfigHolder: Sendable {
    private let value: Mutex<DaemonConfig>
    private let replacements = Atomic<UInt64>(0)

    init(_ config: DaemonConfig) {
        value = Mutex(config)
    }

    var current: DaemonConfig { value.withLock { $0 } }

    /// How many times the config was replaced: what is derived from `current` stays valid while
    /// this is unchanged (read it before `current`).
    var generation: UInt64 { replacements.load(ordering: .sequentiallyConsistent) }

    func replace(_ config: DaemonConfig) {
        value.withLock { $0 = config }
        replacements.add(1, ordering: .sequentiallyConsistent)
    }
}
