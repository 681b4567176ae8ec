// swift-tools-version: 6.1
import PackageDescription

// scripts/fuzz.sh builds with CREDITD_FUZZ_COVERAGE set (and -sanitize=address for every module):
// libFuzzer's coverage instrumentation (what -sanitize=fuzzer adds) then goes into creditd's own
// modules only, and creditd-fuzz links libFuzzer. GRDB and NIO stay ASan-checked but uncovered:
// 76k coverage counters instead of 338k, which libFuzzer clears and scans after every execution.
// (A second -sanitize= would replace the command line's, hence -sanitize-coverage.)
let fuzzing = Context.environment["CREDITD_FUZZ_COVERAGE"] != nil
let fuzzCoverage: [SwiftSetting] =
    fuzzing ? [.unsafeFlags(["-sanitize-coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table"])] : []
let fuzzLinking: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []

let package = Package(
    name: "creditd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "creditd", targets: ["creditd"]),
        .executable(name: "creditctl", targets: ["creditctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // Gathers the writer's WAL writes into one write per commit (a small SQLite VFS, in C).
        .target(name: "CWALWrites"),
        .target(name: "CreditProtocol", swiftSettings: fuzzCoverage),
        .target(name: "Scheduling", dependencies: [
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: fuzzCoverage),
        .target(name: "Store", dependencies: [
            "CreditProtocol", "Scheduling",
            // sqlite3_config (variadic) through CSQLite's shim: process-wide settings (SQLiteSetup.swift).
            "CSQLite", "CWALWrites",
            .product(name: "GRDB", package: "GRDB.swift"),
            // The C API GRDB itself uses: the hottest statements bind their values directly (Binding.swift).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: fuzzCoverage),
        // The daemon's parts (config, socket server, JSON-RPC, the ledger binding, systemd) as a
        // library, so tests and the fuzzer reach them; `creditd` itself is only the command line.
        .target(name: "CreditdKit", dependencies: [
            "CreditProtocol", "Store", "Scheduling", "CSystemd",
            // The WAL's fdatasync times for the metrics (timed in the VFS's xSync).
            "CWALWrites",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            // The optional loopback listener for GET /metrics.
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: fuzzCoverage),
        .executableTarget(name: "creditd", dependencies: [
            "CreditdKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "creditctl", dependencies: [
            "CreditProtocol",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Unit tests and the creditctl binary end to end (fake daemon; live daemon with CREDITD_BIN).
        .testTarget(name: "CreditctlTests", dependencies: ["creditctl", "CreditProtocol"]),
        .executableTarget(name: "storebench", dependencies: ["Store", "CreditProtocol", "CSQLite"]),
        // The CPU of one read request in-process (parse → ReadMethods.run → reply), no socket or threads.
        .executableTarget(name: "readbench", dependencies: ["CreditdKit", "Store", "CreditProtocol"]),
        // Workloads against a running creditd over its socket, and the dataset loader (scripts/bench-all.sh).
        .executableTarget(name: "creditbench", dependencies: [
            "CreditProtocol", "Store", "CSQLite",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // libFuzzer target over RPCParser + the ledger methods; empty unless built by scripts/fuzz.sh
        // (-D FUZZING, ASan, libFuzzer coverage through fuzzCoverage), so normal builds are unaffected.
        .executableTarget(name: "creditd-fuzz", dependencies: ["CreditdKit", "CreditProtocol", "Store", "Scheduling",
                                                               .product(name: "Logging", package: "swift-log")],
                          swiftSettings: fuzzCoverage, linkerSettings: fuzzLinking),
        .testTarget(name: "StoreTests", dependencies: [
            "Store", "CreditProtocol",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling"]),
        // Ten simulated years against a reference model of the rules (issue 3).
        .testTarget(name: "SimulationTests", dependencies: ["Store", "Scheduling", "CreditProtocol"]),
        // End-to-end tests of the built `creditd` binary over its Unix socket; depending on
        // the executable makes `swift build --build-tests` build it too.
        .testTarget(name: "CreditdTests", dependencies: [
            "creditd", "CreditdKit", "CreditProtocol",
            .product(name: "PropertyBased", package: "swift-property-based"),
            // The in-process server (Support/InProcessServer.swift) builds the daemon's pieces itself.
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["client.py", "json_reference.py"]),
    ],
    swiftLanguageModes: [.v6]
)
