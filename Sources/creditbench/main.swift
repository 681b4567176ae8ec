// creditbench: drives a running creditd over its Unix socket, and loads generated datasets.
//
//   creditbench [run] --socket PATH [--connections 32] [--seconds 10] [--warmup 2] [--window 32]
//               [--workload book-cancel|balance|history|studio-day] [--clients K] [--json]
//               [--garbage N [--garbage-rate R] [--garbage-kinds all|K,K|-K,-K]] [--seed S] [--threads T]
//   creditbench load --database PATH --clients 1k..1M --events ..10M [--force] [--verify] [--json]
//
// Workloads (each connection is one thread with its own socket, keeping `window` requests in flight;
// with --threads T, T threads share the connections and poll(2) for replies, as redis-benchmark does):
//   book-cancel  booking.create then booking.cancel of the same booking (early): two durable writes
//                that leave the client's balance as it was; every writing client is checked at the end.
//   balance      balance.get of a random client (of the K dataset clients, or the benchmark's own).
//   history      history.list {client, limit: 20} of a random client.
//   studio-day   60 % balance.get, 20 % history.list, 20 % writes (book, then cancel).
// --garbage N adds N connections sending malformed input (--garbage-rate lines/s each, 0 = as fast
// as the daemon replies) while the measured connections run: bad input at scale. --garbage-kinds
// picks the kinds of bad line (bytes, truncated, not-request, unknown-method, wrong-types, deep, utf8,
// batch, long, numbers, oversize), e.g. "-batch,-long,-oversize" for all but those.
// Only replies received between the end of the warm-up and the end of the run count. Latencies go
// into HdrHistograms (per method); the summary is a table, or one JSON object with --json.
import Foundation

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "--help" || arguments.first == "-h" {
    print("""
        usage: creditbench [run] --socket PATH [--connections N] [--seconds D] [--warmup W] [--window K]
                           [--workload book-cancel|balance|history|studio-day] [--clients K] [--json]
                           [--garbage N [--garbage-rate R] [--garbage-kinds all|K,K|-K,-K]] [--seed S] [--threads T]
               creditbench load --database PATH --clients 1k..1M --events ..10M [--force] [--verify] [--json]
        """)
    exit(0)
}
switch arguments.first {
case "load": exit(load(LoadOptions(arguments.dropFirst())))
case "run": exit(benchmark(BenchOptions(arguments.dropFirst())))
default: exit(benchmark(BenchOptions(arguments)))
}
