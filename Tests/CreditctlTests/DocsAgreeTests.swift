import Foundation
import Testing
@testable import creditctl

/// docs/CREDITCTL.md and the README against the binary: the commands the doc lists are the
/// commands `--help` shows, and the README's first session is the one a live test runs.
@Suite("docs agree with the binary")
struct DocsAgreeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The command names under the SUBCOMMANDS headings of a help text.
    static func helpSubcommands(_ args: [String]) throws -> [String] {
        let help = try CtlRun.run(args + ["--help"]).stdout
        var names: [String] = []
        var inList = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix("SUBCOMMANDS:") { inList = true; continue }
            if line.hasPrefix("  See ") { inList = false }
            // A command's line starts with two spaces and its name; wrapped help is indented further.
            guard inList, line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLowercase else { continue }
            names.append(String(line.dropFirst(2).prefix { $0 != " " }))
        }
        return names.filter { $0 != "help" }
    }

    /// The `## Commands` table of CREDITCTL.md: each command with its subcommands.
    static func documentedCommands() throws -> [(String, [String])] {
        let doc = try text("docs/CREDITCTL.md")
        let section = doc.components(separatedBy: "## Commands\n")[1].components(separatedBy: "\n## ")[0]
        return section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { row in
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let ticked = { (cell: String) in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) } }
            return (ticked(cells[1])[0], ticked(cells[2]))
        }
    }

    @Test func creditctlDocListsExactlyTheCommandsOfHelp() throws {
        // Given the doc's table and the binary's help
        let documented = try Self.documentedCommands()
        let shown = try Self.helpSubcommands([])
        // Then both name the same commands in the same order
        #expect(documented.map(\.0) == shown)
        // And each command's subcommands agree with its own help
        for (command, subcommands) in documented {
            #expect(try Self.helpSubcommands([command]) == subcommands, "\(command)")
        }
    }

    @Test func helpSaysTimesAreStudioLocalAndDurationsNeedAUnit() throws {
        let help = try CtlRun.run(["--help"]).stdout
        #expect(help.contains("\"2027-01-10 18:00\""))
        #expect(help.contains("the earlier"))
        #expect(help.contains("need a unit"))
        #expect(try CtlRun.run(["book", "--help"]).stdout.contains("in the studio's"))
    }

    /// The README's first-session commands, as argument lists (the alias line left out).
    static func readmeFirstSession() throws -> [[String]] {
        let readme = try text("README.md")
        let block = readme.components(separatedBy: "## A first session")[1]
            .components(separatedBy: "```sh\n")[1].components(separatedBy: "```")[0]
        return block.split(separator: "\n").map { shellWords(String($0)) }
            .filter { $0.first == "creditctl" }.map { Array($0.dropFirst()) }
    }

    /// Splits a line as sh would for these simple commands: double quotes group, `#` starts a comment.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var word: String?
        var quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle(); word = word ?? ""; continue }
            if !quoted && ch == "#" && word == nil { break }
            if !quoted && ch == " " {
                if let w = word { words.append(w) }
                word = nil
                continue
            }
            word = (word ?? "") + String(ch)
        }
        if let word { words.append(word) }
        return words
    }

    @Test func readmeFirstSessionTypesLocalTimes() throws {
        let session = try Self.readmeFirstSession()
        #expect(session.count == 8)
        #expect(session.contains(["book", "ann", "yoga", "2027-01-10 18:00", "--id", "b1"]))
    }
}
